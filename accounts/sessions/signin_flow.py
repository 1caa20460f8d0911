"""A sign-in from its first factor to the signed-in session, through the stages other contexts plug in.

Identity proves the first factor and hands over here; a stage (the second factor, accounts/mfa/stage.py)
may then ask for more. Until the last stage passes the browser is nobody new: it may reach the stages'
pages and nothing else, and the state expires.
"""

import time
from dataclasses import dataclass
from functools import cache
from typing import Protocol

from flask import current_app, flash, g, redirect, request, session
from sqlalchemy import bindparam, select

from common.clock import utcnow

from ..audit.events import record_event
from ..audit.models import SecurityEvent
from ..audit.origin import request_origin
from ..extensions import db
from ..identity.models import User
from ..oidc.assurance import used_second_factor
from . import authentication, demands
from .slots import SIGN_IN_DEMAND, SIGN_IN_GREETING, SIGN_IN_IN_PROGRESS


class Stage(Protocol):
    """A step of sign-in after the first factor: applies to some users, has a page, adds methods to amr."""

    name: str
    endpoints: frozenset[str]  # the pages of this stage, reachable while it is pending
    second_factor: bool  # it only adds a second factor: skipped when the first step already gave two
    reminder: str  # shown when a half-signed-in browser tries to go anywhere else

    def applies(self, user: User, demand: demands.SignInDemand | None) -> bool: ...

    def entry(self) -> str:
        """The URL the browser is sent to for this stage."""


@dataclass(frozen=True)
class SignInInProgress:
    """A user who passed some factors and still owes the stages named in `remaining`."""

    user: User
    methods: tuple[str, ...]
    next_url: str
    remaining: tuple[str, ...]


def _stages() -> dict[str, Stage]:
    return current_app.extensions.setdefault("gatehouse_signin_stages", {})


def register_stage(app, stage: Stage) -> None:
    """Plug a stage into sign-in (called once at app set-up by the context that owns it)."""
    app.extensions.setdefault("gatehouse_signin_stages", {})[stage.name] = stage


def first_factor_passed(user: User, methods: list[str], next_url: str):
    """The first factor is proved: sign in now, or start the stages that apply (a 303 either way).

    A user-verified passkey proves two factors at once (oidc/assurance.py), so second-factor stages skip it.
    """
    demand = demands.pending(next_url)
    multi_factor = used_second_factor(methods)
    remaining = [
        s.name for s in _stages().values() if not (multi_factor and s.second_factor) and s.applies(user, demand)
    ]
    if not remaining:
        return _complete(user, methods, next_url)
    kept_demand = SIGN_IN_DEMAND.get()
    if authentication.current() is None:
        session.clear()
        # A fresh id before the stage: a session id planted by an attacker never carries it (fixation).
        session.rotate()
    else:
        # Whoever is signed in here stays so until the stages pass; begin() then keeps or ends their session.
        session.rotate(keep_sid=True)
    if kept_demand is not None:
        SIGN_IN_DEMAND.put(kept_demand)
    SIGN_IN_IN_PROGRESS.put(
        {
            "user_id": user.id,
            "methods": list(methods),
            "next": next_url,
            "remaining": remaining,
            "started": int(time.time()),
        }
    )
    return redirect(_stages()[remaining[0]].entry(), code=303)


def in_progress() -> SignInInProgress | None:
    """The sign-in under way in this session, or None (an expired or broken one is dropped)."""
    state = SIGN_IN_IN_PROGRESS.get()
    if not isinstance(state, dict):
        return None
    lifetime = current_app.config["MFA_STAGE_LIFETIME"].total_seconds()
    user_id, started = state.get("user_id"), state.get("started")
    user = db.session.get(User, user_id) if isinstance(user_id, int) else None
    if user is None or not isinstance(started, int) or time.time() - started >= lifetime:
        SIGN_IN_IN_PROGRESS.clear()
        return None
    return SignInInProgress(user, tuple(state.get("methods", [])), state.get("next") or "/", tuple(state["remaining"]))


def stage_passed(name: str, methods: list[str]):
    """A stage is done: go to the next one, or complete the sign-in (a 303 either way)."""
    progress = in_progress()
    if progress is None or not progress.remaining or progress.remaining[0] != name:
        raise LookupError("no sign-in is waiting for this stage")
    all_methods = [*progress.methods, *(m for m in methods if m not in progress.methods)]
    remaining = list(progress.remaining[1:])
    if remaining:
        state = SIGN_IN_IN_PROGRESS.get()
        SIGN_IN_IN_PROGRESS.put({**state, "methods": all_methods, "remaining": remaining})
        return redirect(_stages()[remaining[0]].entry(), code=303)
    return _complete(progress.user, all_methods, progress.next_url)


def _complete(user: User, methods: list[str], next_url: str):
    greeting = greeting_for(user.name, first_sign_in=_first_sign_in(user.id))
    record_event("signin.succeeded", actor_id=user.id, origin=request_origin(), now=utcnow(), details={"amr": methods})
    # The user row this request just read stays loaded after the commit (begin() reads it): no reload SELECT.
    db.session().expire_on_commit = False
    db.session.commit()
    authentication.begin(user, methods)  # clears the in-progress state with the old session data
    # Not a flash yet: a sign-in for an app ends at the app, and a flash would wait for a later page here.
    SIGN_IN_GREETING.put(greeting)
    return redirect(next_url, code=303)


def greeting_for(name: str, *, first_sign_in: bool) -> str:
    """What the page after a sign-in says: "Welcome" the first time, "Welcome back" after."""
    return f"Welcome, {name}." if first_sign_in else f"Welcome back, {name}."


def _first_sign_in(user_id: int) -> bool:
    """No sign-in of this account has succeeded before (the audit log keeps every one)."""
    return db.session.execute(_earlier_sign_in(), {"user_id": user_id}).first() is None


@cache
def _earlier_sign_in():
    # Built once with a bound parameter: every sign-in asks. ORM columns, so pending rows are flushed first.
    return (
        select(SecurityEvent.id)
        .where(SecurityEvent.event_type == "signin.succeeded", SecurityEvent.actor_id == bindparam("user_id"))
        .limit(1)
    )


def take_greeting() -> None:
    """before_request: the request right after a sign-in takes its greeting; any later one never sees it."""
    if SIGN_IN_GREETING.get() is not None:
        g.sign_in_greeting = SIGN_IN_GREETING.take()


def greet_on_page() -> dict:
    """Context processor: flash the greeting only if that request renders a page (not a redirect to an app)."""
    greeting = g.pop("sign_in_greeting", None)
    if isinstance(greeting, str):
        flash(greeting, "success")
    return {}


def cancel() -> None:
    """Give up the sign-in under way; the browser is as it was before it started."""
    SIGN_IN_IN_PROGRESS.clear()


def confine_to_stages():
    """before_request: a half-signed-in browser reaches its stage's pages and nothing else."""
    if SIGN_IN_IN_PROGRESS.get() is None:
        return None
    progress = in_progress()
    if progress is None:
        return None
    stage = _stages()[progress.remaining[0]]
    if request.endpoint in stage.endpoints or request.endpoint == "static":
        return None
    flash(stage.reminder, "info")
    return redirect(stage.entry(), code=303)
