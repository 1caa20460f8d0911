"""record_event: the one way Accounts code writes to the security-event log."""

import json
from dataclasses import dataclass
from datetime import UTC, datetime

from common.metrics import count_signin

from ..extensions import db, on_commit
from . import chain
from .models import SecurityEvent

USER_AGENT_MAX = 300
_SIGNIN_OUTCOMES = {"signin.succeeded": True, "signin.failed": False}
IP_MAX = 45


@dataclass(frozen=True)
class Origin:
    """Where a request came from, and which admin (if any) was impersonating the actor."""

    ip: str | None = None
    user_agent: str = ""
    impersonator_id: int | None = None


def record_event(
    event_type: str,
    *,
    actor_id: int | None,
    origin: Origin,
    now: datetime,
    details: dict | None = None,
    subject_id: int | None = None,
    org_id: int | None = None,
) -> SecurityEvent:
    """Append an event to the chain in the caller's transaction; it is committed with the change it describes.

    Takes the chain's append lock until that commit: call it last, just before committing.
    """
    if now.tzinfo is not None:
        now = now.astimezone(UTC).replace(tzinfo=None)
    fields = {
        "event_type": event_type,
        "actor_id": actor_id,
        "impersonator_id": origin.impersonator_id,
        "subject_id": subject_id,
        "org_id": org_id,
        "ip": origin.ip[:IP_MAX] if origin.ip else None,
        "user_agent": (origin.user_agent or "")[:USER_AGENT_MAX],
        # Hash what the JSON column will give back (tuples become lists, keys become strings).
        "details": json.loads(json.dumps(details or {})),
        "created_at": now,
    }
    last_seq, last_hash = chain.lock_tail(db.session)
    fields.update(seq=last_seq + 1, prev_hash=last_hash)
    entry = SecurityEvent(**fields, entry_hash=chain.digest(fields))
    db.session.add(entry)
    if event_type in _SIGNIN_OUTCOMES:
        # Counted once the event is committed: a rolled-back attempt never happened.
        on_commit(lambda: count_signin(_SIGNIN_OUTCOMES[event_type]))
    return entry
