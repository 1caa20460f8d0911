"""Fixtures for the second factor: frozen time, a user with 2FA on, and helpers for the two sign-in steps."""

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from sqlalchemy import select

from accounts.audit.models import SecurityEvent
from accounts.extensions import db
from accounts.identity.models import User
from accounts.mfa import backup_codes, totp
from accounts.mfa.services import enable_with_secret
from accounts.mfa.settings import mfa_settings
from accounts.sessions.models import UserSession
from accounts.sessions.slots import AUTHENTICATION, SIGN_IN_IN_PROGRESS
from common.clock import utcnow
from common.server_session import hash_token
from tests.conftest import PASSWORD, submit

# Five seconds into a 30-second TOTP step, so "the same step" is unambiguous.
FROZEN_AT = datetime(2030, 1, 15, 9, 0, 5, tzinfo=UTC)
CHALLENGE = "/sign-in/two-factor"


@pytest.fixture
def clock():
    """Time frozen at FROZEN_AT; clock.shift(timedelta(...)) moves it."""
    with time_machine.travel(FROZEN_AT, tick=False) as traveller:
        yield traveller


@dataclass(frozen=True)
class Enrolled:
    """A user with 2FA on: its id, credentials, TOTP secret and ten unused backup codes."""

    id: int
    email: str
    password: str
    secret: str
    backup_codes: list[str]


def enrol(app, user_id: int, secret: str | None = None) -> tuple[str, list[str]]:
    """Switch 2FA on for a user with a known secret; return (secret, backup codes)."""
    with app.app_context():
        keys = mfa_settings(app.config).keys
        secret = secret or totp.new_secret()
        enable_with_secret(db.session.get(User, user_id), secret, keys=keys, now=utcnow())
        codes = backup_codes.replace_codes(user_id, keys.codes, utcnow())
        db.session.commit()
    return secret, codes


def user_id(app, email: str) -> int:
    """The id of the user with this email (make_user returns an expired, detached instance)."""
    with app.app_context():
        return db.session.scalar(select(User.id).where(User.email == email))


@pytest.fixture
def enrolled(accounts_app, make_user, clock) -> Enrolled:
    """bob@example.com with 2FA enrolled."""
    make_user("bob@example.com", name="Bob")
    uid = user_id(accounts_app, "bob@example.com")
    secret, codes = enrol(accounts_app, uid)
    return Enrolled(uid, "bob@example.com", PASSWORD, secret, codes)


def code_now(secret: str, steps: int = 0) -> str:
    """The code an authenticator app shows now, or `steps` time steps away."""
    return totp.code_at(secret, utcnow() + timedelta(seconds=totp.INTERVAL * steps))


def second_step(client, code: str, remember: bool = False):
    """Submit the second sign-in step."""
    data = {"code": code}
    if remember:
        data["remember"] = "y"
    return submit(client, CHALLENGE, data)


def session_data(app, client) -> dict:
    """What the server-side session of this client holds (read from the store, as a reader would)."""
    cookie = client.get_cookie(app.config["SESSION_COOKIE_NAME"])
    assert cookie is not None, "the client has no session cookie"
    with app.app_context():
        row = db.session.get(UserSession, hash_token(cookie.value))
        return dict(row.data) if row else {}


def signed_in_record(app, client) -> dict:
    """The session's authentication as its owner stores it (accounts/sessions/authentication.py)."""
    return session_data(app, client).get(AUTHENTICATION.key) or {}


def sign_in_in_progress(app, client) -> dict:
    """The half-finished sign-in the session holds, if any (accounts/sessions/signin_flow.py)."""
    return session_data(app, client).get(SIGN_IN_IN_PROGRESS.key) or {}


def events(app, event_type: str | None = None) -> list:
    """Security events recorded so far, oldest first."""
    with app.app_context():
        query = select(SecurityEvent).order_by(SecurityEvent.id)
        if event_type:
            query = query.where(SecurityEvent.event_type == event_type)
        rows = list(db.session.scalars(query))
        db.session.expunge_all()
        return rows


def cancel(client):
    """Leave the half-signed-in stage (the sign-in page is out of reach until then)."""
    return submit(client, CHALLENGE + "/cancel", {}, form_url=CHALLENGE)
