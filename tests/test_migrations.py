"""SPEC §4.2: schema changes only through Alembic; the migrations build exactly the models' schema."""

import os
import secrets
from contextlib import contextmanager

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

import accounts
import tenants
from accounts.extensions import db as accounts_db
from tenants.extensions import db as tenants_db


@contextmanager
def empty_database(tmp_path):
    """A brand-new database of the kind the suite runs on (SQLite file, or a temporary PostgreSQL db)."""
    url = make_url(os.environ["DATABASE_URL"])
    if url.get_backend_name() != "postgresql":
        yield f"sqlite:///{tmp_path}/migrations.sqlite"
        return
    name = f"gatehouse_migrations_{secrets.token_hex(4)}"
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield url.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


SITES = [
    pytest.param(lambda o: accounts.create_app(o), accounts_db, accounts.MIGRATIONS, id="accounts"),
    pytest.param(lambda o: tenants.create_app("acme", o), tenants_db, tenants.MIGRATIONS, id="tenants"),
]


@pytest.mark.parametrize(("factory", "db", "directory"), SITES)
def test_migrations_build_exactly_the_models_schema(tmp_path, factory, db, directory):
    with empty_database(tmp_path) as url:
        app = factory({"SQLALCHEMY_DATABASE_URI": url, "TESTING": True})
        with app.app_context():
            upgrade(directory=directory)
            with db.engine.connect() as conn:
                version_table = f"alembic_version_{directory.rsplit('/', 1)[-1]}"
                context = MigrationContext.configure(conn, opts={"compare_type": True, "version_table": version_table})
                diff = compare_metadata(context, db.metadata)
            assert diff == [], f"models and migrations differ; add a migration: {diff}"
            downgrade(directory=directory, revision="base")
            db.engine.dispose()
