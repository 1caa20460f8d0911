"""Count what reaches the database: SQLAlchemy event listeners around a block, on both engines of a tenant app."""

from collections.abc import Callable, Iterator
from contextlib import contextmanager

from flask import Flask, current_app
from sqlalchemy import event

from common.autocommit import autocommit_engine
from tenants.extensions import db


@contextmanager
def on_statements(app: Flask, record: Callable[[str, bool], None]) -> Iterator[None]:
    """record(statement, in_autocommit) for every statement the app sends while the block runs."""
    with app.app_context():
        engines = {db.engine: False, autocommit_engine(): True}
    listeners = {
        engine: lambda conn, cursor, statement, *_, autocommit=autocommit: record(statement, autocommit)
        for engine, autocommit in engines.items()
    }
    for engine, listener in listeners.items():
        event.listen(engine, "before_cursor_execute", listener)
    try:
        yield
    finally:
        for engine, listener in listeners.items():
            event.remove(engine, "before_cursor_execute", listener)


@contextmanager
def recorded_sql() -> Iterator[list[str]]:
    """Collect every SQL statement the current tenant app sends while the block runs."""
    statements: list[str] = []
    with on_statements(current_app._get_current_object(), lambda statement, _autocommit: statements.append(statement)):
        yield statements
