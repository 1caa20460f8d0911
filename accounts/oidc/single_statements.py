"""Reads and writes that are one statement each: run in autocommit, without BEGIN and COMMIT round trips.

A client's back end (token, userinfo) sends no cookie, so nothing else reads the database in its request: the
ORM session and its transaction would cost two round trips and ~20% of a userinfo request for nothing.
While the request's ORM session holds work, each goes there instead, so nothing is split from its transaction.
"""

from flask import Flask, current_app
from sqlalchemy import Engine, create_engine, event

from ..extensions import db

_ENGINE = "gatehouse_autocommit"


def init_single_statements(app: Flask) -> None:
    """An engine of its own, its connections in autocommit from the start.

    Switching a pooled connection to autocommit and back on every checkout cost ~4% of a userinfo request.
    Same database, same engine options (recycling, hidden parameters, the idle ping of common/db_pool.py).
    """
    with app.app_context():
        options = app.config["SQLALCHEMY_ENGINE_OPTIONS"]
        engine = create_engine(db.engine.url, isolation_level="AUTOCOMMIT", **options)
        # It lives and dies with the app's engine: disposing that one (a test, a fork) closes both pools.
        event.listen(db.engine, "engine_disposed", lambda _engine: engine.dispose())
        app.extensions[_ENGINE] = engine


def autocommit_engine() -> Engine:
    """The current app's autocommit engine."""
    return current_app.extensions[_ENGINE]


def _in_transaction() -> bool:
    # A session that read or was added to has begun (autobegin): its work commits with the statement, or is seen.
    return db.session.registry.has() and db.session().in_transaction()


def rows(statement, params: dict) -> list:
    """The statement's rows: in the request's transaction if it has one, else on a connection of its own."""
    if _in_transaction():
        return db.session.execute(statement, params).all()
    with autocommit_engine().connect() as connection:
        return connection.execute(statement, params).all()


def committed(statement, params: dict) -> int:
    """Run a write that is durable when this returns (with the request's transaction, or on its own): its rowcount."""
    if _in_transaction():
        rowcount = db.session.execute(statement, params).rowcount
        db.session.commit()
        return rowcount
    with autocommit_engine().connect() as connection:
        return connection.execute(statement, params).rowcount
