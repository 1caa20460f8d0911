"""Each app's second engine: the same database, its connections in autocommit from the start.

Statements that each stand alone (a bearer read, a token request's spend, a GET's reads) run there:
switching a pooled connection to autocommit and back on every checkout cost ~4% of a userinfo request.
"""

from flask import Flask, current_app
from flask_sqlalchemy import SQLAlchemy
from sqlalchemy import Engine, create_engine, event
from sqlalchemy.orm import Session

_ENGINE = "gatehouse_autocommit"


def init_autocommit_engine(app: Flask, db: SQLAlchemy) -> None:
    """Same URL, same engine options (recycling, hidden parameters, the idle ping of common/db_pool.py)."""
    with app.app_context():
        options = app.config["SQLALCHEMY_ENGINE_OPTIONS"]
        # No rollback when a connection goes back to the pool: in autocommit there is never a transaction to end.
        engine = create_engine(db.engine.url, isolation_level="AUTOCOMMIT", pool_reset_on_return=None, **options)
        # It lives and dies with the app's engine: disposing that one (a test, a fork) closes both pools.
        event.listen(db.engine, "engine_disposed", lambda _engine: engine.dispose())
    app.extensions[_ENGINE] = engine


def autocommit_engine() -> Engine:
    """The current app's autocommit engine."""
    return current_app.extensions[_ENGINE]


def run_in_autocommit(session: Session) -> None:
    """From here on, every statement of this ORM session goes to the autocommit engine, each on its own."""
    session.info[_ENGINE] = autocommit_engine()


class AutocommitBinding:
    """A Session mixin: a session run_in_autocommit binds everything to that engine (the request's one connection)."""

    def get_bind(self, mapper=None, clause=None, bind=None, **kwargs):
        engine = self.info.get(_ENGINE)
        if engine is not None and bind is None:
            return engine
        return super().get_bind(mapper, clause=clause, bind=bind, **kwargs)
