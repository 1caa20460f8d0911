"""Browser journeys across three origins: a 2FA user on a trusted device signs in at Acme with the password
alone; "Delete all my todos" then sends them to Accounts for their code (step-up), and the deletion happens.
A user without 2FA is told how to set it up, on a clean URL, instead of going round again."""

import re
import time

import pyotp
import pytest
from playwright.sync_api import expect

from accounts.oidc.assurance import MFA_ACR
from tests.accounts.mfa.conftest import enrol
from tests.conftest import PASSWORD

pytestmark = pytest.mark.browser


def password_step(page, email: str) -> None:
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()


def test_delete_all_my_todos_asks_a_password_only_session_for_the_code(three_hosts, make_user, page):
    accounts, acme = three_hosts.accounts.url, three_hosts.acme.url
    alice = make_user("alice@example.com", name="Alice")
    authenticator = pyotp.TOTP(enrol(three_hosts.accounts.app, alice.id)[0])

    # At Accounts: sign in with a code once and trust this browser, then sign out again.
    page.goto(f"{accounts}/sign-in")
    password_step(page, "alice@example.com")
    page.get_by_label("Code from your app, or a backup code").fill(authenticator.now())
    page.get_by_label("Trust this device for 30 days").check()
    page.get_by_role("button", name="Verify").click()
    expect(page.get_by_role("heading", name="Hello, Alice")).to_be_visible()
    page.get_by_role("button", name="Sign out").click()

    # At Acme: the trusted device skips the code, so the session knows a password only.
    page.goto(acme)
    page.get_by_role("link", name="Sign in with Gatehouse").click()
    password_step(page, "alice@example.com")
    expect(page).to_have_url(f"{acme}/")
    page.get_by_role("link", name="Flow inspector").click()
    expect(page.get_by_text('["pwd"]')).to_be_visible()

    for title in ("Water the plants", "File the taxes"):
        page.get_by_role("link", name="Todos", exact=True).click()
        page.get_by_role("link", name="New todo").click()
        page.get_by_label("Title").fill(title)
        page.get_by_role("button", name="Add todo").click()
        expect(page.get_by_text(f"Added “{title}”.")).to_be_visible()

    # The sensitive action: Accounts asks again, password and then the code, trusted device or not.
    page.get_by_role("link", name="Delete all my todos here…").click()
    expect(page).to_have_url(re.compile(rf"^{re.escape(accounts)}/sign-in\?"))
    # "Confirm it's you": the account is fixed (shown, not a field), and there is no way off to sign up.
    expect(page.get_by_role("heading", name="Confirm it’s you")).to_be_visible()
    expect(page.get_by_text("to continue to Acme")).to_be_visible()
    expect(page.get_by_text("asks for two-factor authentication")).to_be_visible()
    expect(page.locator("#confirm-account")).to_have_text("alice@example.com")
    expect(page.get_by_label("Email")).to_have_count(0)
    expect(page.get_by_role("link", name="Create an account")).to_have_count(0)
    expect(page.get_by_label("Password", exact=True)).to_be_focused()
    # The show-password switch (static/gatehouse.js) shows what was typed, and hides it again.
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_label("Show what you type").check()
    expect(page.get_by_label("Password", exact=True)).to_have_attribute("type", "text")
    page.get_by_label("Show what you type").uncheck()
    expect(page.get_by_label("Password", exact=True)).to_have_attribute("type", "password")
    page.get_by_role("button", name="Confirm").click()
    expect(page.get_by_role("heading", name="Enter your code")).to_be_visible()
    # The first code's time step is used up: take the next one, inside the server's one-step drift window.
    page.get_by_label("Code from your app, or a backup code").fill(authenticator.at(time.time() + 30))
    page.get_by_role("button", name="Verify").click()

    # Back at Acme, on the confirmation page the step-up was for.
    expect(page).to_have_url(f"{acme}/todos/delete-mine")
    expect(page.get_by_role("heading", name="Delete all your todos in your personal space?")).to_be_visible()
    page.get_by_role("button", name="Delete 2 todos").click()
    expect(page.get_by_text("Deleted 2 todos of yours.")).to_be_visible()
    expect(page.get_by_text("No todos here yet")).to_be_visible()

    # The inspector shows what the step-up proved: the acr, amr with otp, a fresh auth_time.
    page.get_by_role("link", name="Flow inspector").click()
    expect(page.get_by_text(MFA_ACR).first).to_be_visible()
    expect(page.get_by_text('["pwd", "otp"]')).to_be_visible()
    expect(page.get_by_text("sensitive pages are open for")).to_be_visible()


def test_delete_all_my_todos_tells_a_user_without_two_factor_how_to_set_it_up(three_hosts, make_user, page):
    accounts, acme = three_hosts.accounts.url, three_hosts.acme.url
    make_user("bob@example.com", name="Bob")

    page.goto(acme)
    page.get_by_role("link", name="Sign in with Gatehouse").click()
    expect(page.get_by_text("to continue to Acme")).to_be_visible()
    expect(page.get_by_label("Email")).to_be_focused()
    password_step(page, "bob@example.com")
    expect(page).to_have_url(f"{acme}/")
    page.get_by_role("link", name="Todos", exact=True).click()

    # Bob has no second factor: Accounts answers the step-up without one, and Acme says what to do.
    page.get_by_role("link", name="Delete all my todos here…").click()
    expect(page).to_have_url(f"{acme}/auth/second-factor-needed")
    expect(page.get_by_role("heading", name="Two-factor authentication needed")).to_be_visible()
    page.reload()  # a clean URL: the spent code of the callback is not in it
    expect(page.get_by_role("heading", name="Two-factor authentication needed")).to_be_visible()
    expect(page.get_by_role("link", name="Security page of your Gatehouse account")).to_have_attribute(
        "href", f"{accounts}/security"
    )

    # Asked again, Acme explains at once instead of another round trip.
    page.goto(f"{acme}/todos/")
    page.get_by_role("link", name="Delete all my todos here…").click()
    expect(page).to_have_url(f"{acme}/todos/delete-mine")
    expect(page.get_by_role("heading", name="Deleting all your todos needs two-factor authentication")).to_be_visible()
    expect(page.get_by_role("button", name=re.compile("^Delete"))).to_have_count(0)

    # At Accounts, the greeting of the sign-in for Acme did not wait for a later page.
    page.goto(f"{accounts}/")
    expect(page.get_by_role("heading", name="Hello, Bob")).to_be_visible()
    expect(page.get_by_text("Welcome")).to_have_count(0)
