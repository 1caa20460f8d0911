"""Who is signed in on this request: sign in, sign out, load the current user."""

import time

from flask import g, session

from ..extensions import db
from ..identity.models import User
from .signals import session_ended


def sign_in(user: User, methods: list[str]) -> None:
    """Make this browser session the user's, under a new cookie token (no session fixation).

    The same user signing in again (prompt=login, max_age, a second factor for a client) keeps the
    session and its public id, the OIDC `sid`: clients' sessions bound to it still get back-channel
    logout. Anyone else ends the session signed in here, and a new one with a new sid begins.
    """
    previous = g.get("user")
    same_user = previous is not None and previous.id == user.id
    if previous is not None and not same_user and session.sid is not None:
        # Whoever was signed in here is replaced: their session ends like any other.
        session_ended.send(None, sid=session.sid, user_id=previous.id, reason="replaced")
    session.clear()
    # SPEC §2.3: the cookie token changes either way, so a planted or stolen token is worthless now.
    session.rotate(keep_sid=same_user)
    session["user_id"] = user.id
    session["amr"] = methods
    session["auth_time"] = int(time.time())
    g.user = user


def sign_out(reason: str = "sign-out") -> None:
    """End the signed-in session here and announce it, so clients are logged out too."""
    user = g.get("user")
    sid = session.sid
    session.clear()
    # A new id: a request of the old session still in flight can then not write the signed-in data back.
    session.rotate()
    g.user = None
    if user is not None and sid is not None:
        session_ended.send(None, sid=sid, user_id=user.id, reason=reason)


def load_current_user() -> None:
    """before_request hook: put the signed-in user (or None) on g.user."""
    user_id = session.get("user_id")
    g.user = db.session.get(User, user_id) if user_id is not None else None
    if user_id is not None and g.user is None:
        session.clear()
