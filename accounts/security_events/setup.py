"""Wiring security events into an Accounts app: the job runner and the `flask events` commands."""

import os

from flask import Flask

from . import models  # noqa: F401  (registers the outbox table with the metadata)
from .cli import bp as cli_bp
from .runner import init_runner


def init_security_events(app: Flask) -> None:
    """Pick the job runner (RQ over Redis, else in-process) and add the `flask events` commands."""
    app.config.setdefault("SECURITY_EVENTS_REDIS_URL", os.environ.get("REDIS_URL"))
    init_runner(app)
    app.register_blueprint(cli_bp)
