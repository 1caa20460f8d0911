"""Turning 2FA off and making new backup codes need the password again."""

import re
from datetime import timedelta

import pytest

from accounts.mfa.factors import has_totp
from tests.accounts.mfa.conftest import CHALLENGE, code_now, enrol, events, second_step
from tests.conftest import PASSWORD, submit

CODE_RE = re.compile(r"<li><code>([a-z2-9]{5}-[a-z2-9]{5})</code></li>")


@pytest.fixture
def signed_in_2fa(client, auth, enrolled, clock):
    """Bob, signed in with password and code."""
    auth.sign_in(enrolled.email, enrolled.password)
    second_step(client, code_now(enrolled.secret))
    clock.shift(timedelta(seconds=30))
    return enrolled


@pytest.mark.parametrize("path", ["/security/two-factor/disable", "/security/backup-codes/new"])
@pytest.mark.parametrize(("password", "message"), [("wrong password", "not correct"), ("", "This field is required")])
def test_wrong_or_missing_password_changes_nothing(accounts_app, client, signed_in_2fa, path, password, message):
    response = submit(client, path, {"password": password})
    assert response.status_code == 303 and response.headers["Location"] == path
    assert message in client.get(path).get_data(as_text=True)
    with accounts_app.app_context():
        assert has_totp(signed_in_2fa.id)
    assert events(accounts_app, "mfa.disabled") == events(accounts_app, "mfa.backup_codes_regenerated") == []


def test_turning_off_needs_the_password(accounts_app, client, auth, signed_in_2fa, outbox):
    response = submit(client, "/security/two-factor/disable", {"password": PASSWORD})
    assert response.headers["Location"] == "/security"
    assert [m.subject for m in outbox(signed_in_2fa.email)] == [
        "Two-factor authentication is off on your Gatehouse account"
    ]
    assert "Two-factor authentication is off" in client.get("/security").get_data(as_text=True)
    with accounts_app.app_context():
        assert not has_totp(signed_in_2fa.id)
    assert [e.actor_id for e in events(accounts_app, "mfa.disabled")] == [signed_in_2fa.id]
    auth.sign_out()
    assert auth.sign_in(signed_in_2fa.email, PASSWORD).headers["Location"] == "/"


def test_turning_off_forgets_devices_and_codes(client, auth, enrolled, clock):
    auth.sign_in(enrolled.email, enrolled.password)
    second_step(client, code_now(enrolled.secret), remember=True)
    submit(client, "/security/two-factor/disable", {"password": PASSWORD})
    # Turn it on again with the same secret: the old trust and the old backup codes must be gone.
    enrol(client.application, enrolled.id, enrolled.secret)
    auth.sign_out()
    assert auth.sign_in(enrolled.email, PASSWORD).headers["Location"] == CHALLENGE
    assert second_step(client, enrolled.backup_codes[0]).headers["Location"] == CHALLENGE


def test_new_backup_codes_replace_the_old(accounts_app, client, auth, signed_in_2fa):
    response = submit(client, "/security/backup-codes/new", {"password": PASSWORD})
    assert response.headers["Location"] == "/security/backup-codes"
    new_codes = CODE_RE.findall(client.get("/security/backup-codes").get_data(as_text=True))
    assert len(new_codes) == 10 and not set(new_codes) & set(signed_in_2fa.backup_codes)
    assert len(events(accounts_app, "mfa.backup_codes_regenerated")) == 1
    auth.sign_out()
    auth.sign_in(signed_in_2fa.email, PASSWORD)
    assert second_step(client, signed_in_2fa.backup_codes[0]).headers["Location"] == CHALLENGE
    assert second_step(client, new_codes[0]).headers["Location"] == "/"


def test_wrong_passwords_are_rate_limited(client, signed_in_2fa):
    for _ in range(5):
        submit(client, "/security/two-factor/disable", {"password": "wrong password"})
    response = submit(client, "/security/two-factor/disable", {"password": PASSWORD})
    assert response.status_code == 429
    assert "Too many attempts" in response.get_data(as_text=True)


def test_pages_explain_what_will_happen(client, signed_in_2fa):
    assert "Enter your password" in client.get("/security/two-factor/disable").get_data(as_text=True)
    assert "will stop working" in client.get("/security/backup-codes/new").get_data(as_text=True)
