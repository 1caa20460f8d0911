"""Count what reaches the database: a SQLAlchemy event listener around a block."""

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import event

from common.autocommit import autocommit_engine
from tenants.extensions import db


@contextmanager
def recorded_sql() -> Iterator[list[str]]:
    """Collect every SQL statement the current tenant app sends while the block runs (on either of its engines)."""
    statements: list[str] = []

    def record(conn, cursor, statement, parameters, context, executemany):
        statements.append(statement)

    engines = (db.engine, autocommit_engine())
    for engine in engines:
        event.listen(engine, "before_cursor_execute", record)
    try:
        yield statements
    finally:
        for engine in engines:
            event.remove(engine, "before_cursor_execute", record)
