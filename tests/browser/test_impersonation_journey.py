"""Browser journey across three hosts (SPEC §2.8): the admin steps up, impersonates a member with a reason, opens
Acme and Globex under the banner and sees the member's todos, cannot reach the admin console or change the
password, stops, and is back as the admin on every site; the member then sees it on their security page."""

import re
import time

import pyotp
import pytest
from playwright.sync_api import Page, expect

from tests.accounts.mfa.conftest import enrol
from tests.conftest import PASSWORD

pytestmark = pytest.mark.browser

REASON = "Alice cannot find her todo"


def password_step(page: Page, email: str) -> None:
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()


def code_step(page: Page, code: str, trust: bool = False) -> None:
    page.get_by_label("Code from your app, or a backup code").fill(code)
    if trust:
        page.get_by_label("Trust this device for 30 days").check()
    page.get_by_role("button", name="Verify").click()


def sso_at(page: Page, tenant: str) -> None:
    """Sign in at a tenant by SSO: Accounts already knows this browser, so no form shows."""
    page.goto(tenant)
    page.get_by_role("link", name="Sign in with Gatehouse").click()
    expect(page.locator(".who")).to_be_visible()


def test_admin_impersonates_a_member_across_three_hosts_and_stops(three_hosts, make_user, browser):
    accounts, acme, globex = three_hosts.accounts.url, three_hosts.acme.url, three_hosts.globex.url
    make_user("alice@example.com", name="Alice")
    admin = make_user("root@example.com", name="Root Admin", admin=True)
    authenticator = pyotp.TOTP(enrol(three_hosts.accounts.app, admin.id)[0])

    # Alice keeps a todo at Acme.
    member = browser.new_context().new_page()
    member.goto(acme)
    member.get_by_role("link", name="Sign in with Gatehouse").click()
    password_step(member, "alice@example.com")
    member.get_by_role("link", name="Todos", exact=True).click()
    member.get_by_role("link", name="New todo").click()
    member.get_by_label("Title").fill("Water the office plants")
    member.get_by_role("button", name="Add todo").click()
    expect(member.get_by_text("Added “Water the office plants”.")).to_be_visible()
    member.context.close()

    # The admin signed in with a code on a trusted device earlier; today's sign-in is the password alone.
    page = browser.new_context().new_page()
    page.goto(f"{accounts}/sign-in")
    password_step(page, "root@example.com")
    code_step(page, authenticator.now(), trust=True)
    page.get_by_role("button", name="Sign out").click()
    page.goto(f"{accounts}/sign-in")
    password_step(page, "root@example.com")
    expect(page.get_by_role("heading", name="Hello, Root Admin")).to_be_visible()
    sso_at(page, acme)
    expect(page.locator(".who")).to_have_text("Signed in as Root Admin")

    # Impersonating needs a second factor from the last ten minutes: step up first.
    page.goto(f"{accounts}/admin/users?q=alice")
    page.get_by_role("link", name="Alice", exact=True).click()
    page.get_by_label(re.compile("^Reason .the user is told")).fill(REASON)
    page.get_by_role("button", name="Impersonate Alice").click()
    expect(page.get_by_text("needs a second factor from the last 10 minutes").first).to_be_visible()
    expect(page.get_by_role("heading", name="Confirm it’s you")).to_be_visible()  # the admin's account is fixed
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Confirm").click()
    code_step(page, authenticator.at(time.time() + 30))  # the first code's time step is spent
    page.get_by_label(re.compile("^Reason .the user is told")).fill(REASON)
    page.get_by_role("button", name="Impersonate Alice").click()
    banner = page.get_by_role("complementary", name="Impersonation")
    expect(banner).to_contain_text("Root Admin is signed in as Alice")
    expect(banner).to_contain_text(REASON)
    expect(page.get_by_role("heading", name="Hello, Alice")).to_be_visible()

    # The admin's own Acme session ended at the start (back-channel logout); SSO now brings Alice.
    page.goto(acme)
    expect(page.get_by_role("link", name="Sign in with Gatehouse")).to_be_visible()
    sso_at(page, acme)
    expect(page.locator(".who")).to_have_text("Signed in as Alice")
    expect(page.get_by_role("complementary", name="Impersonation")).to_contain_text(REASON)
    page.get_by_role("link", name="Todos", exact=True).click()
    expect(page.get_by_role("main").get_by_text("Water the office plants").first).to_be_visible()
    sso_at(page, globex)
    expect(page.get_by_role("complementary", name="Impersonation")).to_contain_text("Root Admin")

    # What an impersonator may not do is refused with a clear page.
    for refused in ("/admin/users", "/account/password", "/security/backup-codes/new"):
        page.goto(f"{accounts}{refused}")
        expect(page.get_by_role("heading", name="Not while impersonating")).to_be_visible()

    # Stop from the tenant's banner: back as the admin, and every app session of Alice's is gone.
    page.goto(acme)
    page.get_by_role("link", name="Stop impersonating").click()
    page.get_by_role("main").get_by_role("button", name="Stop impersonating").click()
    expect(page.get_by_text("signed in as yourself again")).to_be_visible()
    expect(page.get_by_role("complementary", name="Impersonation")).to_have_count(0)
    for tenant in (acme, globex):
        page.goto(tenant)
        expect(page.get_by_role("link", name="Sign in with Gatehouse")).to_be_visible()
    sso_at(page, acme)
    expect(page.locator(".who")).to_have_text("Signed in as Root Admin")
    expect(page.get_by_role("complementary", name="Impersonation")).to_have_count(0)

    # Alice sees who acted as her, when and why.
    member = browser.new_context().new_page()
    member.goto(f"{accounts}/sign-in")
    password_step(member, "alice@example.com")
    member.goto(f"{accounts}/security")
    history = member.locator("#impersonations")
    expect(history).to_contain_text("Root Admin")
    expect(history).to_contain_text(REASON)
