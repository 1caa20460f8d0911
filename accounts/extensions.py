"""The Accounts site's Flask extensions, created once and bound in create_app."""

from collections.abc import Callable

from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf import CSRFProtect
from sqlalchemy import MetaData
from sqlalchemy.orm import DeclarativeBase

from common.db_session import OutageTolerantSession


class Base(DeclarativeBase):
    """Declarative base for Accounts tables, with constraint names Alembic can rely on."""

    metadata = MetaData(
        naming_convention={
            "ix": "ix_%(column_0_label)s",
            "uq": "uq_%(table_name)s_%(column_0_name)s",
            "ck": "ck_%(table_name)s_%(constraint_name)s",
            "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
            "pk": "pk_%(table_name)s",
        }
    )


_ON_COMMIT = "gatehouse_on_commit"


class Session(OutageTolerantSession):
    """db.session: after a commit it runs the actions queued with on_commit; a rollback drops them."""

    def commit(self) -> None:
        super().commit()
        # Taken before running: an action that commits its own work must not run the queue again.
        for action in self.info.pop(_ON_COMMIT, []):
            action()

    def rollback(self) -> None:
        self.info.pop(_ON_COMMIT, None)
        super().rollback()

    def close(self) -> None:
        self.info.pop(_ON_COMMIT, None)
        super().close()


def on_commit(action: Callable[[], object]) -> None:
    """Run `action` once the flow commits what it staged, never if it rolls back (announcements that call out)."""
    db.session.info.setdefault(_ON_COMMIT, []).append(action)


db = SQLAlchemy(model_class=Base, session_options={"class_": Session})
migrate = Migrate()
csrf = CSRFProtect()
limiter = Limiter(key_func=get_remote_address)
