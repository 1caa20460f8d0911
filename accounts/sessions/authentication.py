"""Who is signed in on this browser session, how and since when: the one owner of that state.

Everything else asks `current()` and changes it only through begin / end / forget_here, and while an
admin impersonates someone, impersonate / parked / resume.
"""

import time
from dataclasses import dataclass

from flask import g, session

from ..extensions import db
from ..identity.models import User
from .signals import session_ended
from .slots import AUTHENTICATION, PARKED_AUTHENTICATION, SIGN_IN_DEMAND


@dataclass(frozen=True)
class Authentication:
    """A signed-in session: the user, its public id (OIDC sid), methods (RFC 8176 amr) and when they were used.

    While an admin impersonates, `actor_id` is the admin (RFC 8693 `act`) and `expires_at` ends it.
    """

    user_id: int
    sid: str | None
    amr: tuple[str, ...]
    auth_time: int
    actor_id: int | None = None
    reason: str | None = None
    expires_at: int | None = None

    @property
    def impersonated(self) -> bool:
        return self.actor_id is not None


def _record(auth: Authentication) -> dict:
    record = {"user_id": auth.user_id, "amr": list(auth.amr), "auth_time": auth.auth_time}
    if auth.impersonated:
        record.update(actor_id=auth.actor_id, reason=auth.reason, expires_at=auth.expires_at)
    return record


def _from_record(record, sid: str | None) -> Authentication | None:
    """The stored record as an Authentication; anything malformed counts as not signed in."""
    if not isinstance(record, dict) or not isinstance(record.get("user_id"), int):
        return None
    amr = record.get("amr")
    if not isinstance(amr, list) or not all(isinstance(m, str) for m in amr):
        return None
    return Authentication(
        user_id=record["user_id"],
        sid=sid,
        amr=tuple(amr),
        auth_time=int(record.get("auth_time") or 0),
        actor_id=record.get("actor_id"),
        reason=record.get("reason"),
        expires_at=record.get("expires_at"),
    )


def current() -> Authentication | None:
    """The authentication of this request, as loaded before the view ran."""
    return g.get("authentication")


def load() -> None:
    """before_request hook: read the session's authentication and its user once per request."""
    auth = _from_record(AUTHENTICATION.get(), session.sid)
    user = db.session.get(User, auth.user_id) if auth is not None else None
    if auth is not None and user is None:
        session.clear()  # the account is gone: so is its sign-in
        auth = None
    _set(auth, user)


def _set(auth: Authentication | None, user: User | None) -> None:
    g.authentication = auth
    g.user = user


def begin(user: User, methods: list[str]) -> Authentication:
    """Make this browser session the user's, under a new cookie token (no session fixation).

    The same user signing in again (prompt=login, max_age, a second factor for a client) keeps the
    session and its public id, the OIDC `sid`: clients' sessions bound to it still get back-channel
    logout. Anyone else ends the session signed in here, and a new one with a new sid begins.
    """
    previous = current()
    same_user = previous is not None and previous.user_id == user.id and not previous.impersonated
    if previous is not None and not same_user and session.sid is not None:
        # Whoever was signed in here is replaced: their session ends like any other.
        session_ended.send(None, sid=session.sid, user_id=previous.user_id, reason="replaced")
    demand = SIGN_IN_DEMAND.get()  # the app's demand this sign-in answers goes on to /authorize
    session.clear()
    # SPEC §2.3: the cookie token changes either way, so a planted or stolen token is worthless now.
    session.rotate(keep_sid=same_user)
    auth = Authentication(user.id, session.sid if same_user else None, tuple(methods), int(time.time()))
    AUTHENTICATION.put(_record(auth))
    if demand is not None:
        SIGN_IN_DEMAND.put(demand)
    _set(auth, user)
    return auth


def end(reason: str = "sign-out") -> None:
    """End the signed-in session here and announce it, so clients are logged out too."""
    auth = current()
    sid = session.sid
    session.clear()
    # A new id: a request of the old session still in flight can then not write the signed-in data back.
    session.rotate()
    _set(None, None)
    if auth is not None and sid is not None:
        session_ended.send(None, sid=sid, user_id=auth.user_id, reason=reason)


def impersonate(target: User, *, reason: str, expires_at: int) -> Authentication:
    """Act as `target` until `expires_at`: the admin's sign-in is parked in the server-side record, a new sid begins.

    The admin's session ends for everyone who knew it (tenants get back-channel logout), so no app ever
    holds the admin's and the user's identity under one session id.
    """
    admin = current()
    if admin is None or admin.impersonated:
        raise ValueError("only a signed-in admin who is not impersonating can start")
    old_sid = session.sid
    session.clear()
    session.rotate()  # a new cookie token and a new public id (SPEC §2.8)
    # The cookie holds only the new token: the admin's sign-in waits here, server-side, for resume().
    PARKED_AUTHENTICATION.put(_record(admin))
    auth = Authentication(target.id, None, admin.amr, admin.auth_time, admin.user_id, reason, expires_at)
    AUTHENTICATION.put(_record(auth))
    _set(auth, target)
    if old_sid is not None:
        session_ended.send(None, sid=old_sid, user_id=admin.user_id, reason="impersonation-started")
    return auth


def parked() -> Authentication | None:
    """The admin's own sign-in set aside by impersonate(), or None."""
    return _from_record(PARKED_AUTHENTICATION.get(), None)


def resume(reason: str) -> Authentication | None:
    """End the impersonation: the user's session ends everywhere, the parked admin signs in again under a new sid."""
    auth, admin = current(), parked()
    if auth is None or not auth.impersonated:
        raise ValueError("nothing to resume: this session is not impersonating")
    old_sid = session.sid
    session.clear()
    session.rotate()
    admin_user = db.session.get(User, admin.user_id) if admin is not None else None
    if admin_user is not None:
        AUTHENTICATION.put(_record(admin))
    _set(admin if admin_user is not None else None, admin_user)
    if old_sid is not None:
        session_ended.send(None, sid=old_sid, user_id=auth.user_id, reason=reason)
    return current()


def forget_here() -> None:
    """This browser's session row is already gone (ended elsewhere): go on anonymously under a fresh id."""
    session.clear()
    session.rotate()
    _set(None, None)


def stored_user_id() -> int | None:
    """The signed-in user's id straight from the session, for code that runs before load() (rate-limit keys)."""
    record = AUTHENTICATION.get()
    return record.get("user_id") if isinstance(record, dict) else None


def session_columns(data: dict) -> dict:
    """The indexed columns of a session row, from its data: whose session it is (for "Your sessions")."""
    record = data.get(AUTHENTICATION.key)
    return {"user_id": record.get("user_id") if isinstance(record, dict) else None}
