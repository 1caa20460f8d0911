"""Signing out, from Accounts' own button or an app's logout request: the audited end of this browser's sign-in."""

from datetime import datetime

from ..audit.events import Origin, record_event
from ..extensions import db
from ..impersonation.events import record_stopped
from . import authentication


def sign_out(*, via: str, origin: Origin, now: datetime) -> None:
    """Record the sign-out (and the end of an impersonation it cuts short), then end the session everywhere."""
    auth = authentication.current()
    if auth is not None:
        record_event("signout", actor_id=auth.user_id, origin=origin, now=now, details={"via": via})
        if auth.impersonated:
            record_stopped(auth, how="signed-out", origin=origin, now=now)
        db.session.commit()
    authentication.end(reason="sign-out" if via == "accounts" else "end-session")
