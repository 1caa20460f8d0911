"""The tenant sites' Flask extensions; tenant tables are their own, never Accounts'."""

from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf import CSRFProtect
from sqlalchemy import MetaData
from sqlalchemy.orm import DeclarativeBase

from common.autocommit import AutocommitBinding
from common.db_session import OutageTolerantSession


class Base(DeclarativeBase):
    """Declarative base for tenant tables, with constraint names Alembic can rely on."""

    metadata = MetaData(
        naming_convention={
            "ix": "ix_%(column_0_label)s",
            "uq": "uq_%(table_name)s_%(column_0_name)s",
            "ck": "ck_%(table_name)s_%(constraint_name)s",
            "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
            "pk": "pk_%(table_name)s",
        }
    )


class Session(AutocommitBinding, OutageTolerantSession):
    """db.session: a GET's statements run on the autocommit engine (site/transactions.py), others in transactions."""


db = SQLAlchemy(model_class=Base, session_options={"class_": Session})
migrate = Migrate()
csrf = CSRFProtect()
