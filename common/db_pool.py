"""Connection checks at checkout, only where they pay: a connection idle for a while is pinged first.

A busy server reuses its connections within milliseconds and pays no round trip; a connection that sat
idle (across a PostgreSQL restart, a failover, a firewall's idle cut) is tested before a request uses it,
so the first request after the database comes back does not fail on a dead connection.
"""

import contextlib
import time

from sqlalchemy import event, exc
from sqlalchemy.pool import Pool

IDLE_PING_SECONDS = 5.0  # idle longer than this: ping before use (SQLAlchemy's pre-ping, for idle ones only)


@event.listens_for(Pool, "checkin")
def _remember_checkin(dbapi_connection, connection_record) -> None:
    connection_record.info["checked_in_at"] = time.monotonic()


@event.listens_for(Pool, "checkout")
def _ping_if_idle(dbapi_connection, connection_record, connection_proxy) -> None:
    checked_in_at = connection_record.info.get("checked_in_at")
    if checked_in_at is None or time.monotonic() - checked_in_at < IDLE_PING_SECONDS:
        return
    cursor = dbapi_connection.cursor()
    try:
        cursor.execute("SELECT 1")
        dbapi_connection.rollback()  # the driver opened a transaction for the ping; the request starts its own
    except Exception as error:
        # SQLAlchemy's documented pessimistic pattern: the pool discards it and checks out another.
        raise exc.DisconnectionError() from error
    finally:
        with contextlib.suppress(Exception):  # a dead connection's cursor may fail to close; the pool replaces it
            cursor.close()
