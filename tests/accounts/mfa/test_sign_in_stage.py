"""Sign-in with 2FA is two steps; in between the browser is half signed in and can reach nothing else."""

from datetime import timedelta

import pytest

from accounts.extensions import db
from accounts.sessions.models import UserSession
from accounts.sessions.signals import session_ended
from common.server_session import hash_token
from tests.accounts.mfa.conftest import (
    CHALLENGE,
    FROZEN_AT,
    code_now,
    second_step,
    sign_in_in_progress,
    signed_in_record,
)
from tests.conftest import CSRF_RE, PASSWORD, csrf_token, submit


def test_password_alone_does_not_sign_in_a_2fa_user(client, auth, enrolled):
    response = auth.sign_in(enrolled.email, enrolled.password, next="/sessions/")
    assert response.status_code == 303
    assert response.headers["Location"] == CHALLENGE
    page = client.get(CHALLENGE).get_data(as_text=True)
    assert "Enter your code" in page
    assert "Hello, Bob" not in client.get("/", follow_redirects=True).get_data(as_text=True)


def test_code_completes_sign_in_and_returns_to_next(client, auth, enrolled):
    auth.sign_in(enrolled.email, enrolled.password, next="/sessions/")
    response = second_step(client, code_now(enrolled.secret))
    assert response.status_code == 303
    assert response.headers["Location"] == "/sessions/"
    assert "Your sessions" in client.get("/sessions/").get_data(as_text=True)


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("get", "/"),
        ("get", "/sessions/"),
        ("get", "/security"),
        ("get", "/account/password"),
        ("get", "/sign-in"),
        ("get", "/sign-up"),
        ("get", "/no-such-page"),
        ("post", "/sign-out"),
        ("post", "/security/two-factor/start"),
    ],
)
def test_half_signed_in_reaches_only_the_second_step(client, auth, enrolled, method, path):
    auth.sign_in(enrolled.email, enrolled.password)
    # POSTs carry a valid CSRF token (from the second-step page), so only the stage guard can stop them.
    data = {"csrf_token": csrf_token(client, CHALLENGE)} if method == "post" else None
    response = getattr(client, method)(path, data=data)
    assert response.status_code == 303
    assert response.headers["Location"] == CHALLENGE


def test_half_signed_in_session_has_no_user(accounts_app, client, auth, enrolled):
    auth.sign_in(enrolled.email, enrolled.password)
    assert signed_in_record(accounts_app, client) == {}
    assert sign_in_in_progress(accounts_app, client)["user_id"] == enrolled.id


def test_stage_expires_after_five_minutes(client, auth, enrolled, clock):
    auth.sign_in(enrolled.email, enrolled.password)
    clock.shift(timedelta(minutes=5))
    response = client.get(CHALLENGE)
    assert response.status_code == 303
    assert response.headers["Location"] == "/sign-in"
    assert "timed out" in client.get("/sign-in").get_data(as_text=True)
    # The expired stage is gone: the visitor is simply anonymous again.
    assert client.get("/").status_code == 200


def test_code_after_expiry_does_not_sign_in(client, auth, enrolled, clock):
    auth.sign_in(enrolled.email, enrolled.password)
    token_page = client.get(CHALLENGE)
    assert token_page.status_code == 200
    clock.shift(timedelta(minutes=5, seconds=1))
    token = CSRF_RE.search(token_page.get_data(as_text=True)).group(1)
    response = client.post(CHALLENGE, data={"csrf_token": token, "code": code_now(enrolled.secret)})
    assert response.headers["Location"] == "/sign-in"
    assert client.get("/sessions/").status_code == 302


def test_cancel_leaves_the_stage(client, auth, enrolled):
    auth.sign_in(enrolled.email, enrolled.password)
    response = submit(client, "/sign-in/two-factor/cancel", {}, form_url=CHALLENGE)
    assert response.headers["Location"] == "/sign-in"
    assert client.get("/").status_code == 200
    assert client.get(CHALLENGE).headers["Location"] == "/sign-in"


def test_session_id_changes_at_each_step(accounts_app, client, auth, enrolled):
    name = accounts_app.config["SESSION_COOKIE_NAME"]
    client.get("/sign-in")
    before = client.get_cookie(name).value
    auth.sign_in(enrolled.email, enrolled.password)
    half = client.get_cookie(name).value
    second_step(client, code_now(enrolled.secret))
    after = client.get_cookie(name).value
    assert len({before, half, after}) == 3


def test_2fa_sign_in_records_pwd_and_otp(accounts_app, client, auth, enrolled):
    auth.sign_in(enrolled.email, enrolled.password)
    second_step(client, code_now(enrolled.secret))
    data = signed_in_record(accounts_app, client)
    assert data["user_id"] == enrolled.id
    assert data["amr"] == ["pwd", "otp"]
    assert data["auth_time"] == int(FROZEN_AT.timestamp())
    assert sign_in_in_progress(accounts_app, client) == {}


def test_auth_time_is_when_the_second_factor_was_given(accounts_app, client, auth, enrolled, clock):
    auth.sign_in(enrolled.email, enrolled.password)
    clock.shift(timedelta(minutes=2))
    second_step(client, code_now(enrolled.secret))
    assert signed_in_record(accounts_app, client)["auth_time"] == int(FROZEN_AT.timestamp()) + 120


def test_password_only_sign_in_records_pwd(accounts_app, client, auth, make_user):
    make_user("alice@example.com")
    response = auth.sign_in("alice@example.com", PASSWORD)
    assert response.headers["Location"] == "/"
    assert signed_in_record(accounts_app, client)["amr"] == ["pwd"]


def test_wrong_password_never_reaches_the_second_step(client, auth, enrolled):
    response = auth.sign_in(enrolled.email, "not the password at all")
    assert response.headers["Location"] == "/sign-in"
    assert client.get(CHALLENGE).headers["Location"] == "/sign-in"


@pytest.fixture
def ended():
    """The user ids of sessions announced as ended (session_ended), in order."""
    seen = []

    def receiver(sender, *, sid, user_id, reason):
        seen.append(user_id)

    session_ended.connect(receiver)
    yield seen
    session_ended.disconnect(receiver)


def session_row(app, client) -> UserSession:
    """This browser's session row (detached)."""
    with app.app_context():
        cookie = client.get_cookie(app.config["SESSION_COOKIE_NAME"]).value
        row = db.session.get(UserSession, hash_token(cookie))
        db.session.expunge(row)
        return row


def test_someone_signed_in_stays_so_until_the_next_user_gives_the_code(
    accounts_app, client, auth, enrolled, make_user, ended
):
    alice = make_user("alice@example.com", name="Alice")
    auth.sign_in("alice@example.com", PASSWORD)
    alice_sid = session_row(accounts_app, client).public_id

    auth.sign_in(enrolled.email, enrolled.password)
    assert session_row(accounts_app, client).public_id == alice_sid, "nothing changed hands yet"
    assert ended == []
    second_step(client, code_now(enrolled.secret))

    # Bob's sign-in replaced Alice's session: it ended (back-channel logout) and a new sid began.
    assert ended == [alice.id]
    row = session_row(accounts_app, client)
    assert row.public_id != alice_sid and row.user_id == enrolled.id
