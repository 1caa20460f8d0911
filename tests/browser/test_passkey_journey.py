"""Browser journey with Chromium's virtual authenticator (DevTools WebAuthn domain): add a passkey at Accounts,
sign out, sign in at Acme with the passkey alone (from the email field's autofill, then with the button while the
autofill waits), give it as the second step after the password, pass Acme's step-up with it, remove it.

Headless Chromium offers conditional mediation, and its virtual authenticator answers a conditional get() at
once, as a user picking the passkey from the autofill list would. With presence simulation off the request
waits, which is how the button is tested against a waiting autofill.

WebAuthn needs a secure context and an RP ID that is a domain, not an IP address: Accounts is served as
http://localhost:PORT (localhost is potentially trustworthy, so http works), RP ID "localhost"; the
tenants stay on 127.0.0.2 and 127.0.0.3, origins of their own.
"""

import re
from collections.abc import Iterator

import pytest
from playwright.sync_api import expect

from accounts.oidc.assurance import MFA_ACR
from tests.conftest import PASSWORD, _stop_sites
from tests.live import Sites, start_sites

pytestmark = pytest.mark.browser


@pytest.fixture
def sites_on_localhost(monkeypatch, accounts_app) -> Iterator[Sites]:
    """Accounts on http://localhost:PORT (a WebAuthn RP ID must be a domain), the tenants on their own hosts."""
    running = start_sites(monkeypatch, accounts_app, hosts=("localhost", "127.0.0.2", "127.0.0.3"))
    yield running
    _stop_sites(running)


def virtual_authenticator(page) -> dict:
    """A platform authenticator with resident keys that verifies the user (as a fingerprint would)."""
    cdp = page.context.new_cdp_session(page)
    cdp.send("WebAuthn.enable")
    options = {
        "protocol": "ctap2",
        "transport": "internal",
        "hasResidentKey": True,
        "hasUserVerification": True,
        "isUserVerified": True,
        "automaticPresenceSimulation": True,
    }
    added = cdp.send("WebAuthn.addVirtualAuthenticator", {"options": options})
    return {"cdp": cdp, "id": added["authenticatorId"]}


def user_present(device: dict, present: bool) -> None:
    """Whether the authenticator answers on its own (a user touching it), or every request waits."""
    device["cdp"].send("WebAuthn.setAutomaticPresenceSimulation", {"authenticatorId": device["id"], "enabled": present})


def password_step(page, email: str = "alice@example.com") -> None:
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()


def sign_out_at_acme(page, acme: str) -> None:
    page.get_by_role("button", name="Sign out").click()
    expect(page).to_have_url(f"{acme}/signed-out")


def amr_in_inspector(page, amr: str) -> None:
    page.get_by_role("link", name="Flow inspector").click()
    expect(page.get_by_text(amr).first).to_be_visible()


def test_add_a_passkey_sign_in_with_it_at_acme_pass_a_step_up_and_remove_it(sites_on_localhost, make_user, page):
    accounts, acme = sites_on_localhost.accounts.url, sites_on_localhost.acme.url
    assert accounts.startswith("http://localhost:")
    make_user("alice@example.com", name="Alice")
    device = virtual_authenticator(page)

    # At Accounts, with the password: add a passkey on the security page.
    page.goto(f"{accounts}/sign-in")
    expect(page.get_by_label("Email")).to_have_attribute("autocomplete", "username webauthn")
    password_step(page)
    expect(page.get_by_role("heading", name="Hello, Alice")).to_be_visible()
    page.get_by_role("link", name="Security").first.click()
    expect(page.get_by_text("You have no passkeys yet.")).to_be_visible()
    page.get_by_label("Passkey name").fill("Test laptop")
    page.get_by_role("button", name="Add a passkey").click()
    expect(page.get_by_text("Passkey added. You can now sign in with it.")).to_be_visible()
    expect(page.get_by_label("Name of the passkey Test laptop")).to_have_value("Test laptop")
    stored = device["cdp"].send("WebAuthn.getCredentials", {"authenticatorId": device["id"]})["credentials"]
    assert [(c["rpId"], c["isResidentCredential"]) for c in stored] == [("localhost", True)]
    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_text("You are signed out.")).to_be_visible()

    # At Acme: "Sign in with Gatehouse"; the email field's passkey autofill (conditional UI) signs in, nothing typed.
    page.goto(acme)
    page.get_by_role("link", name="Sign in with Gatehouse").click()
    expect(page).to_have_url(f"{acme}/")
    amr_in_inspector(page, '["hwk", "user"]')
    expect(page.get_by_text(MFA_ACR).first).to_be_visible()
    sign_out_at_acme(page, acme)

    # The button while the autofill waits: it ends the waiting request, then its own get() signs in.
    user_present(device, False)
    page.goto(acme)
    page.get_by_role("link", name="Sign in with Gatehouse").click()
    expect(page.get_by_text("to continue to Acme")).to_be_visible()
    expect(page.locator("#passkey-sign-in")).to_have_attribute("data-autofill", "waiting")
    user_present(device, True)
    page.get_by_role("button", name="Use a passkey").click()
    expect(page).to_have_url(f"{acme}/")
    amr_in_inspector(page, '["hwk", "user"]')
    sign_out_at_acme(page, acme)

    # The password, then the passkey as the only second factor (no code field), trusting this browser.
    user_present(device, False)
    page.goto(acme)
    page.get_by_role("link", name="Sign in with Gatehouse").click()
    password_step(page)
    expect(page.get_by_role("heading", name="Use your passkey")).to_be_visible()
    expect(page.get_by_label("Code from your app, or a backup code")).to_have_count(0)
    page.get_by_label("Trust this device for 30 days").check()
    user_present(device, True)
    page.get_by_role("button", name="Use a passkey").click()
    expect(page).to_have_url(f"{acme}/")
    amr_in_inspector(page, '["pwd", "hwk", "user"]')
    sign_out_at_acme(page, acme)

    # Trusted: the password alone signs in, so Acme's step-up asks for the passkey again.
    user_present(device, False)
    page.goto(acme)
    page.get_by_role("link", name="Sign in with Gatehouse").click()
    password_step(page)
    expect(page).to_have_url(f"{acme}/")
    amr_in_inspector(page, '["pwd"]')
    page.get_by_role("link", name="Todos", exact=True).click()
    page.get_by_role("link", name="Delete all my todos here…").click()
    expect(page.get_by_role("heading", name="Confirm it’s you")).to_be_visible()
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Confirm").click()
    expect(page.get_by_role("heading", name="Use your passkey")).to_be_visible()
    user_present(device, True)
    page.get_by_role("button", name="Use a passkey").click()
    expect(page).to_have_url(f"{acme}/todos/delete-mine")
    expect(page.get_by_role("heading", name=re.compile("^Delete all your todos"))).to_be_visible()

    # Back at Accounts: remove the passkey, with the password again; it was the only second factor.
    page.goto(f"{accounts}/security")
    page.get_by_role("link", name="Remove").click()
    expect(page.get_by_role("heading", name="Remove the passkey “Test laptop”")).to_be_visible()
    expect(page.get_by_text("This is your only second factor.")).to_be_visible()
    page.get_by_label("Your password").fill(PASSWORD)
    page.get_by_role("button", name="Remove passkey").click()
    expect(page.get_by_text("It was your only second factor")).to_be_visible()
    expect(page.get_by_text("You have no passkeys yet.")).to_be_visible()
