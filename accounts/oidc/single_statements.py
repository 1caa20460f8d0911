"""Reads and writes that are one statement each: run in autocommit, without BEGIN and COMMIT round trips.

A client's back end (token, userinfo) sends no cookie, so nothing else reads the database in its request: the
ORM session and its transaction would cost two round trips and ~20% of a userinfo request for nothing.
While the request's ORM session holds work, each goes there instead, so nothing is split from its transaction.
"""

from common.autocommit import autocommit_engine

from ..extensions import db


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
