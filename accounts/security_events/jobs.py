"""The RQ job: deliver one outbox row in an Accounts app context, and schedule its retry when it stays pending.

RQ imports this module by name in the worker process; Accounts' own modules never import it.
"""

from datetime import timedelta

from flask import Flask

import accounts
from common.clock import utcnow

from ..extensions import db
from . import delivery
from .models import OutboxEvent
from .runner import current_runner

_apps: list[Flask] = []


def _accounts_app() -> Flask:
    """One Accounts app per worker process, built on first use."""
    if not _apps:
        _apps.append(accounts.create_app())
    return _apps[0]


def deliver_job(event_id: int) -> str:
    """Attempt the row once; when it stays pending, enqueue the next attempt for when it is due."""
    with _accounts_app().app_context():
        status = delivery.deliver(event_id)
        if status == "pending":
            row = db.session.get(OutboxEvent, event_id)
            current_runner().retry_in(event_id, max(row.next_attempt_at - utcnow(), timedelta(0)))
        return status
