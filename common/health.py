"""Liveness and readiness: cheap, unauthenticated, and they say nothing about what failed."""

import logging
from collections.abc import Callable

import redis
from flask import Flask
from sqlalchemy import text

log = logging.getLogger(__name__)


def init_health(app: Flask, readiness_checks: list[Callable[[], None]]) -> None:
    """/healthz answers while the process runs; /readyz only while every check passes (each raises if not)."""

    @app.get("/healthz")
    def healthz():
        return {"status": "ok"}

    @app.get("/readyz")
    def readyz():
        for check in readiness_checks:
            try:
                check()
            except Exception as error:
                # The operator reads the cause in the log; the public answer names no host, driver or key.
                log.warning("not ready: %s failed (%s)", check.__name__, type(error).__name__)
                return {"status": "unavailable"}, 503
        return {"status": "ready"}


def redis_check(url: str | None) -> Callable[[], None]:
    """A readiness check that pings Redis at url; nothing to check when the site runs without Redis."""

    # One client (and connection pool) per site, not a new connection per probe.
    client = redis.Redis.from_url(url, socket_timeout=1, socket_connect_timeout=1) if url else None

    def redis_reachable() -> None:
        if client is not None:
            client.ping()

    return redis_reachable


def database_check(db) -> Callable[[], None]:
    """A readiness check that runs SELECT 1 on the site's database."""

    def database_reachable() -> None:
        db.session.execute(text("SELECT 1"))

    return database_reachable
