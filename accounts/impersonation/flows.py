"""Start and stop an impersonation: the session change, its audit entries, the mail (flows commit, helpers never)."""

from datetime import datetime

from ..audit.events import Origin, record_event
from ..extensions import db
from ..identity.models import User
from ..sessions import authentication
from . import emails, rules
from .events import record_stopped


def start(admin: User, target: User, *, reason: str, origin: Origin, now: datetime) -> authentication.Authentication:
    """The admin becomes `target` for at most an hour; their own tenants' sessions end (back-channel logout)."""
    expires_at = rules.ends_at(now)
    record_event(
        "impersonation.started",
        actor_id=admin.id,
        subject_id=target.id,
        origin=origin,
        now=now,
        details={"reason": reason, "expires_at": expires_at},
    )
    db.session.commit()
    auth = authentication.impersonate(target, reason=reason, expires_at=expires_at)
    emails.send_impersonation_notice(target, admin, reason=reason, now=now, expires_at=expires_at)
    return auth


def stop(*, how: str, origin: Origin, now: datetime) -> User | None:
    """End the impersonation (`how`: stopped or expired): the admin is back, or signed out if no longer an admin."""
    auth = authentication.current()
    parked = authentication.parked()
    admin = db.session.get(User, parked.user_id) if parked is not None else None
    record_stopped(auth, how=how, origin=origin, now=now)
    db.session.commit()
    if not rules.may_resume(admin, now):
        # Demoted or banned meanwhile: nobody gets the admin's parked sign-in back.
        authentication.end(reason=f"impersonation-{how}")
        return None
    authentication.resume(reason=f"impersonation-{how}")
    return admin
