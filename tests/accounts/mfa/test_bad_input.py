"""Bad codes get a clear message on the same form, are not counted as guesses, and never cause a 500."""

import pytest

from accounts.mfa import lockout
from accounts.mfa.services import SecondFactorError, parse_code
from accounts.mfa.settings import mfa_settings
from common.clock import utcnow
from tests.accounts.mfa.conftest import CHALLENGE, second_step
from tests.conftest import csrf_token, submit

BAD_CODES = [
    ("", "Enter the 6-digit code"),
    ("   ", "Enter the 6-digit code"),
    ("abc", "Enter the 6 digits"),
    ("12345", "Enter the 6 digits"),
    ("1234567", "Enter the 6 digits"),
    ("12345a", "Enter the 6 digits"),
    ("١٢٣٤٥٦", "Enter the 6 digits"),  # Arabic-Indic digits: isdigit() says yes, pyotp never shows them
    ("<script>alert(1)</script>", "Enter the 6 digits"),
    ("1" * 5000, "too long"),
    ("abcde-0o1il", "Enter the 6 digits"),  # ambiguous letters are not in backup codes
]


@pytest.mark.parametrize(("code", "message"), BAD_CODES)
def test_bad_codes_at_sign_in(accounts_app, client, auth, enrolled, code, message):
    auth.sign_in(enrolled.email, enrolled.password)
    response = second_step(client, code)
    assert response.status_code == 303 and response.headers["Location"] == CHALLENGE
    page = client.get(CHALLENGE)
    assert page.status_code == 200
    assert message in page.get_data(as_text=True)
    assert "<script>alert" not in page.get_data(as_text=True)  # what was typed comes back escaped
    with accounts_app.app_context():
        assert lockout.attempts_left(enrolled.id, mfa_settings(accounts_app.config).lockout, utcnow()) == 5


@pytest.mark.parametrize(("code", "message"), BAD_CODES)
def test_bad_codes_at_enrolment(client, auth, make_user, clock, code, message):
    make_user("alice@example.com")
    auth.sign_in("alice@example.com")
    submit(client, "/security/two-factor/start", {}, form_url="/security")
    response = submit(client, "/security/two-factor/enrol", {"code": code})
    assert response.headers["Location"] == "/security/two-factor/enrol"
    page = client.get("/security/two-factor/enrol")
    assert page.status_code == 200 and message in page.get_data(as_text=True)


def test_missing_field_and_missing_csrf(client, auth, enrolled):
    auth.sign_in(enrolled.email, enrolled.password)
    response = client.post(CHALLENGE, data={"csrf_token": csrf_token(client, CHALLENGE)})
    assert response.status_code == 303
    assert "Enter the 6-digit code" in client.get(CHALLENGE).get_data(as_text=True)
    response = client.post(CHALLENGE, data={"code": "123456"})
    assert response.status_code == 400
    assert "Form expired" in response.get_data(as_text=True)


def test_unknown_device_ids_and_methods(client, auth, make_user):
    make_user("alice@example.com")
    auth.sign_in("alice@example.com")
    assert client.get("/security/devices/forget-all").status_code == 405
    assert client.post("/security/devices/abc/forget").status_code == 404


@pytest.mark.parametrize(
    ("raw", "parsed"),
    [("123456", ("totp", "123456")), (" 123 456 ", ("totp", "123456")), ("ABCDE-23456", ("backup", "abcde23456"))],
)
def test_parse_code_accepts(raw, parsed):
    assert parse_code(raw) == parsed


@pytest.mark.parametrize("raw", [None, "", "12-34", "x" * 33])
def test_parse_code_refuses(raw):
    with pytest.raises(SecondFactorError):
        parse_code(raw)
