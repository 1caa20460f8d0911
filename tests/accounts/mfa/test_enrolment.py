"""Enrolment on the Security page: QR code and text, switched on only by a valid code, codes shown once."""

import re
from datetime import timedelta

import pytest

from accounts.mfa import totp
from tests.accounts.mfa.conftest import CHALLENGE, code_now, events, second_step, user_id
from tests.conftest import PASSWORD, submit

SECRET_RE = re.compile(r'<p id="totp-secret"[^>]*>((?:<code>[A-Z2-7]{4}</code> ?)+)</p>')


@pytest.fixture
def signed_in(accounts_app, client, auth, make_user, clock):
    """alice@example.com, signed in with her password, 2FA off."""
    make_user("alice@example.com")
    auth.sign_in("alice@example.com", PASSWORD)
    return user_id(accounts_app, "alice@example.com")


def start(client) -> str:
    """Press "Set up" and read the secret off the enrolment page."""
    response = submit(client, "/security/two-factor/start", {}, form_url="/security")
    assert response.headers["Location"] == "/security/two-factor/enrol"
    page = client.get("/security/two-factor/enrol").get_data(as_text=True)
    return re.sub(r"</?code>| ", "", SECRET_RE.search(page).group(1))


def test_security_page_offers_setup(client, signed_in):
    page = client.get("/security").get_data(as_text=True)
    assert "Off." in page and "Set up two-factor authentication" in page


def test_enrolment_page_shows_qr_svg_and_secret(client, signed_in):
    secret = start(client)
    response = client.get("/security/two-factor/enrol")
    page = response.get_data(as_text=True)
    assert len(secret) == 32
    # Server-rendered SVG in a data: URI: allowed by img-src 'self' data:, no script or inline style needed.
    assert 'src="data:image/svg+xml' in page
    assert "img-src 'self' data:" in response.headers["Content-Security-Policy"]
    assert response.headers["Cache-Control"] == "no-store"


def test_the_secret_is_shown_in_unbroken_groups_of_four_with_a_copy_button(client, signed_in):
    secret = start(client)
    page = client.get("/security/two-factor/enrol").get_data(as_text=True)
    # One <code> per group: a line breaks between groups only; the button copies the secret without spaces.
    groups = re.findall(r"<code>([A-Z2-7]{4})</code>", SECRET_RE.search(page).group(1))
    assert groups == [secret[i : i + 4] for i in range(0, 32, 4)]
    assert f'data-copy data-text="{secret}" hidden>Copy the secret</button>' in page
    assert '<script src="/static/gatehouse.js" defer></script>' in page
    assert re.search(r'<input[^>]*autofocus[^>]*name="code"|<input[^>]*name="code"[^>]*autofocus', page)


def test_grouped():
    assert totp.grouped("ABCDEFGHIJ") == ["ABCD", "EFGH", "IJ"]


def test_provisioning_uri_names_issuer_and_account():
    uri = totp.provisioning_uri("JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP", "alice@example.com", "Gatehouse")
    assert uri.startswith("otpauth://totp/Gatehouse:alice%40example.com?")
    assert "secret=JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP" in uri and "issuer=Gatehouse" in uri


def test_wrong_confirmation_code_is_refused(client, signed_in, accounts_app):
    secret = start(client)
    wrong = f"{(int(code_now(secret)) + 1) % 10**6:06d}"
    response = submit(client, "/security/two-factor/enrol", {"code": wrong})
    assert response.headers["Location"] == "/security/two-factor/enrol"
    assert "That code is not right" in client.get("/security/two-factor/enrol").get_data(as_text=True)
    assert "Off." in client.get("/security").get_data(as_text=True)
    assert events(accounts_app, "mfa.enabled") == []


def test_valid_code_switches_on_and_shows_ten_codes_once(client, signed_in, accounts_app):
    secret = start(client)
    response = submit(client, "/security/two-factor/enrol", {"code": code_now(secret)})
    assert response.headers["Location"] == "/security/backup-codes"
    page = client.get("/security/backup-codes")
    codes = re.findall(r"<li><code>([a-z2-9]{5}-[a-z2-9]{5})</code></li>", page.get_data(as_text=True))
    assert len(set(codes)) == 10
    assert page.headers["Cache-Control"] == "no-store"
    # Copy and download (a file made in the page from this text: no other URL ever serves the codes).
    text = "Gatehouse Accounts backup codes for alice@example.com\nEach code signs you in once, instead of a code"
    html = page.get_data(as_text=True)
    for button in ('data-copy data-text="', 'data-download="gatehouse-backup-codes.txt" data-text="'):
        start_at = html.index(button) + len(button)
        value = html[start_at : html.index('"', start_at)]
        assert value.startswith(text) and value.endswith("\n".join(codes))
    again = client.get("/security/backup-codes")
    assert again.headers["Location"] == "/security"
    assert codes[0] not in client.get("/security").get_data(as_text=True)
    assert [e.actor_id for e in events(accounts_app, "mfa.enabled")] == [signed_in]


def test_new_setup_replaces_an_unconfirmed_secret(client, signed_in):
    first = start(client)
    second = start(client)
    assert first != second
    response = submit(client, "/security/two-factor/enrol", {"code": code_now(first)})
    assert response.headers["Location"] == "/security/two-factor/enrol"


def test_confirming_code_cannot_be_replayed_at_sign_in(client, auth, signed_in):
    secret = start(client)
    code = code_now(secret)
    submit(client, "/security/two-factor/enrol", {"code": code})
    auth.sign_out()
    auth.sign_in("alice@example.com", PASSWORD)
    second_step(client, code)
    assert "already used" in client.get(CHALLENGE).get_data(as_text=True)


def test_after_enrolment_sign_in_needs_the_code(client, auth, signed_in, clock):
    secret = start(client)
    submit(client, "/security/two-factor/enrol", {"code": code_now(secret)})
    auth.sign_out()
    clock.shift(timedelta(seconds=30))
    assert auth.sign_in("alice@example.com", PASSWORD).headers["Location"] == CHALLENGE
    assert second_step(client, code_now(secret)).headers["Location"] == "/"


def test_setup_when_already_on_changes_nothing(client, signed_in):
    secret = start(client)
    submit(client, "/security/two-factor/enrol", {"code": code_now(secret)})
    response = submit(client, "/security/two-factor/start", {}, form_url="/security")
    assert response.headers["Location"] == "/security"
    assert client.get("/security/two-factor/enrol").headers["Location"] == "/security"
    assert "already on" in client.get("/security").get_data(as_text=True)


def test_security_pages_need_a_signed_in_user(client):
    for path in ("/security", "/security/two-factor/enrol", "/security/two-factor/disable"):
        response = client.get(path)
        assert response.status_code == 302
        assert response.headers["Location"].startswith("/sign-in?next=")
