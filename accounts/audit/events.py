"""record_event: the one way Accounts code writes to the security-event log."""

from dataclasses import dataclass
from datetime import datetime

from ..extensions import db
from .models import SecurityEvent


@dataclass(frozen=True)
class Origin:
    """Where a request came from, as the event log stores it."""

    ip: str | None = None
    user_agent: str = ""


def record_event(
    event_type: str, *, actor_id: int | None, origin: Origin, now: datetime, details: dict | None = None
) -> SecurityEvent:
    """Add an event to the session; it is committed with the change it describes (same transaction)."""
    entry = SecurityEvent(
        actor_id=actor_id,
        event_type=event_type,
        ip=origin.ip,
        user_agent=origin.user_agent[:300],
        created_at=now,
        details=details or {},
    )
    db.session.add(entry)
    return entry
