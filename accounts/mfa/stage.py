"""The half-signed-in stage between password and second factor, kept in the server-side session.

While it lasts the browser is nobody new: g.user stays None (or whoever was already signed in
here, when someone re-authenticates), and every page but the second step sends it back there.
It expires, and it is wiped when the session is cleared at sign-in.
"""

import time
from dataclasses import dataclass

from flask import current_app, flash, g, redirect, request, session, url_for

from ..extensions import db
from ..identity.models import User
from ..sessions.current import sign_in
from .device_cookie import is_trusted_here
from .services import has_second_factor

STAGE_KEY = "mfa_pending"
# The only endpoints a half-signed-in browser may reach.
STAGE_ENDPOINTS = {"mfa.challenge", "mfa.cancel", "static"}


@dataclass(frozen=True)
class Pending:
    """A user who gave the right password and still owes the second factor."""

    user: User
    next_url: str


def after_password(user: User, next_url: str, *, code_required: bool = False):
    """Hand a correct password over to the second step; None if the user may sign in now.

    A trusted device skips the step, unless the sign-in was asked to include the code (a client
    requested the second-factor acr: accounts/oidc/assurance.py).
    """
    if not has_second_factor(user.id) or (is_trusted_here(user.id) and not code_required):
        return None
    if g.get("user") is None:
        session.clear()
        # A fresh id before the stage: a session id planted by an attacker never carries it (fixation).
        session.rotate()
    else:
        # Whoever is signed in here stays so until the code is given; sign_in then keeps or ends their session.
        session.rotate(keep_sid=True)
    session[STAGE_KEY] = {"user_id": user.id, "next": next_url, "started": int(time.time())}
    return redirect(url_for("mfa.challenge"), code=303)


def pending_sign_in() -> Pending | None:
    """The stage of this session, or None (an expired or broken stage is dropped)."""
    state = session.get(STAGE_KEY)
    if not isinstance(state, dict):
        return None
    lifetime = current_app.config["MFA_STAGE_LIFETIME"].total_seconds()
    user = db.session.get(User, state.get("user_id")) if isinstance(state.get("user_id"), int) else None
    if user is None or not isinstance(state.get("started"), int) or time.time() - state["started"] >= lifetime:
        session.pop(STAGE_KEY, None)
        return None
    return Pending(user, state.get("next") or "/")


def finish_sign_in(user: User) -> None:
    """Both factors given: a new signed-in session (the stage goes with the old one)."""
    sign_in(user, ["pwd", "otp"])


def cancel_sign_in() -> None:
    """Leave the stage; the browser is anonymous again."""
    session.pop(STAGE_KEY, None)


def confine_half_signed_in():
    """before_request: a half-signed-in browser reaches the second step and nothing else."""
    if STAGE_KEY not in session or request.endpoint in STAGE_ENDPOINTS:
        return None
    if pending_sign_in() is None:
        return None
    flash("Finish signing in first: enter the code from your authenticator app.", "info")
    return redirect(url_for("mfa.challenge"), code=303)
