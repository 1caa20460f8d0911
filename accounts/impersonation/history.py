"""Past impersonations of a user, read back from the audit log for their security page (SPEC §2.8)."""

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select

from common.clock import utc_from_timestamp

from ..audit.models import SecurityEvent
from ..extensions import db
from ..identity.models import User

STARTED, STOPPED = "impersonation.started", "impersonation.stopped"


@dataclass(frozen=True)
class PastImpersonation:
    """Who acted as the user, from when until when, and why; `ended_at` None while it may still run."""

    admin_name: str
    started_at: datetime
    ended_at: datetime | None
    latest_end: datetime
    reason: str
    how: str | None

    @property
    def minutes(self) -> int | None:
        return None if self.ended_at is None else max(1, round((self.ended_at - self.started_at).total_seconds() / 60))


def impersonations_of(user_id: int, limit: int = 20) -> list[PastImpersonation]:
    """The user's most recent impersonations, newest first; a start and its stop share admin and end time."""
    events = db.session.scalars(
        select(SecurityEvent)
        .where(SecurityEvent.subject_id == user_id, SecurityEvent.event_type.in_((STARTED, STOPPED)))
        .order_by(SecurityEvent.seq.desc())
        .limit(limit * 2)
    ).all()
    stops = {(e.actor_id, e.details.get("expires_at")): e for e in events if e.event_type == STOPPED}
    names = dict(db.session.execute(select(User.id, User.name).where(User.id.in_({e.actor_id for e in events}))).all())
    past = []
    for event in (e for e in events if e.event_type == STARTED):
        stop = stops.get((event.actor_id, event.details.get("expires_at")))
        past.append(
            PastImpersonation(
                admin_name=names.get(event.actor_id, f"A former admin (id {event.actor_id})"),
                started_at=event.created_at,
                ended_at=stop.created_at if stop is not None else None,
                latest_end=utc_from_timestamp(event.details.get("expires_at", 0)),
                reason=event.details.get("reason", ""),
                how=stop.details.get("how") if stop is not None else None,
            )
        )
    return past[:limit]
