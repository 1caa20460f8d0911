"""Browser journey: enrol TOTP reading the secret off the page, then sign in with a code and with a backup code."""

import time
from pathlib import Path

import pyotp
import pytest
from playwright.sync_api import expect

from tests.conftest import PASSWORD

pytestmark = pytest.mark.browser


def sign_in_with_password(page, base: str, email: str) -> None:
    page.goto(f"{base}/sign-in")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()


def sign_out(page) -> None:
    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_text("You are signed out.")).to_be_visible()


def test_enrol_then_sign_in_with_code_and_with_backup_code(live_server, make_user, page):
    base = live_server.url
    make_user("alice@example.com", name="Alice")

    sign_in_with_password(page, base, "alice@example.com")
    expect(page.get_by_role("heading", name="Hello, Alice")).to_be_visible()

    # Enrol: the QR code renders (a data: SVG under our CSP) and the secret is on the page as text.
    page.get_by_role("link", name="Security").first.click()
    page.get_by_role("button", name="Set up two-factor authentication").click()
    qr = page.get_by_role("img", name="QR code of your new two-factor secret")
    expect(qr).to_be_visible()
    assert qr.evaluate("img => img.naturalWidth") > 0
    secret = page.locator("#totp-secret").inner_text().replace(" ", "")
    # Groups of four, never broken inside one (each its own <code>); the copy button appears with JavaScript.
    assert page.locator("#totp-secret code").all_inner_texts() == [secret[i : i + 4] for i in range(0, 32, 4)]
    expect(page.get_by_role("button", name="Copy the secret")).to_be_visible()
    expect(page.get_by_label("Code from your app")).to_be_focused()
    authenticator = pyotp.TOTP(secret)
    page.get_by_label("Code from your app").fill(authenticator.now())
    page.get_by_role("button", name="Switch on").click()

    expect(page.get_by_role("heading", name="Your backup codes")).to_be_visible()
    backup_codes = page.locator(".backup-codes code").all_inner_texts()
    assert len(backup_codes) == 10
    expect(page.get_by_role("button", name="Copy codes")).to_be_visible()
    with page.expect_download() as download:
        page.get_by_role("button", name="Download .txt").click()
    assert download.value.suggested_filename == "gatehouse-backup-codes.txt"
    saved = Path(download.value.path()).read_text()
    assert saved.startswith("Gatehouse Accounts backup codes for alice@example.com\n")
    assert saved.endswith("\n".join(backup_codes) + "\n")
    page.get_by_role("link", name="I have saved them").click()
    expect(page.get_by_text("On.", exact=False).first).to_be_visible()
    sign_out(page)

    # Sign in with a code. The enrolment code's time step is used up, so take the next step's code,
    # which the server accepts within its one-step drift window (no waiting for the clock).
    sign_in_with_password(page, base, "alice@example.com")
    expect(page.get_by_role("heading", name="Enter your code")).to_be_visible()
    page.get_by_label("Code from your app, or a backup code").fill(authenticator.at(time.time() + 30))
    page.get_by_role("button", name="Verify").click()
    expect(page.get_by_role("heading", name="Hello, Alice")).to_be_visible()
    sign_out(page)

    # Sign in with a backup code.
    sign_in_with_password(page, base, "alice@example.com")
    page.get_by_label("Code from your app, or a backup code").fill(backup_codes[0])
    page.get_by_role("button", name="Verify").click()
    expect(page.get_by_role("heading", name="Hello, Alice")).to_be_visible()
    expect(page.get_by_text("You used a backup code; 9 left")).to_be_visible()
