"""The audit entry that ends an impersonation, however it ends (stopped, expired, signed out)."""

from datetime import datetime

from ..audit.events import Origin, record_event
from ..sessions.authentication import Authentication


def record_stopped(auth: Authentication, *, how: str, origin: Origin, now: datetime) -> None:
    """Audit the end of an impersonation; the caller commits."""
    record_event(
        "impersonation.stopped",
        actor_id=auth.actor_id,
        subject_id=auth.user_id,
        origin=Origin(ip=origin.ip, user_agent=origin.user_agent),  # the admin acts as themselves again
        now=now,
        details={"how": how, "reason": auth.reason, "expires_at": auth.expires_at},
    )
