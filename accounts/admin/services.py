"""Admin actions as plain functions (SPEC §2.7): each changes rows and records its event. Callers commit.

The caller checks the matching rule in permissions.py first, then commits once, so the change and
its audit event share one transaction.
"""

from datetime import date, datetime, time, timedelta

from ..audit.events import Origin, record_event
from ..identity.models import User
from ..oidc.services import revoke_user_tokens
from ..security_events import outbox


class AdminError(Exception):
    """Input an action cannot use; the message is shown to the admin."""


def ban_expiry(until: date | None, *, now: datetime) -> datetime | None:
    """A ban "until <date>" lasts to the end of that UTC day; the date must not be in the past."""
    if until is None:
        return None
    if until < now.date():
        raise AdminError("The end of the ban must be today or later.")
    return datetime.combine(until, time()) + timedelta(days=1)


def ban(target: User, *, actor: User, reason: str, until: datetime | None, origin: Origin, now: datetime) -> int:
    """Suspend the account and revoke every token of it; the caller then ends its sessions (back-channel logout)."""
    reason = reason.strip()
    if not reason:
        raise AdminError("Give a reason for the ban.")
    target.banned_at = now
    target.banned_until = until
    target.ban_reason = reason[:500]
    revoked = revoke_user_tokens(target.id, now)
    details = {"user_id": target.id, "reason": target.ban_reason, "until": until.isoformat() if until else None}
    record_event("admin.user_banned", actor_id=actor.id, subject_id=target.id, origin=origin, now=now, details=details)
    # Staged before the sessions end: the recipients are the clients of those sessions (RISC account-disabled).
    outbox.account_disabled(target.id, now)
    return revoked


def unban(target: User, *, actor: User, origin: Origin, now: datetime) -> None:
    """Lift the ban."""
    target.banned_at = None
    target.banned_until = None
    target.ban_reason = None
    record_event(
        "admin.user_unbanned",
        actor_id=actor.id,
        subject_id=target.id,
        origin=origin,
        now=now,
        details={"user_id": target.id},
    )


def set_site_role(target: User, role: str, *, actor: User, origin: Origin, now: datetime) -> None:
    """Make the user an admin or a plain user."""
    details = {"user_id": target.id, "from": target.site_role, "to": role}
    target.site_role = role
    record_event(
        "admin.site_role_changed", actor_id=actor.id, subject_id=target.id, origin=origin, now=now, details=details
    )


def note_sessions_revoked(target: User, *, actor: User, origin: Origin, now: datetime) -> None:
    """Record that an admin signed the user out everywhere (the caller ends the sessions)."""
    record_event(
        "admin.sessions_revoked",
        actor_id=actor.id,
        subject_id=target.id,
        origin=origin,
        now=now,
        details={"user_id": target.id},
    )
