"""Browser journey across three origins: sign up, sign in at Acme, SSO into Globex, sign out everywhere."""

import re

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser

PASSWORD = "a long and unusual passphrase"


def test_sign_up_sign_in_once_sign_out_everywhere(three_hosts, page):
    accounts, acme, globex = three_hosts.accounts.url, three_hosts.acme.url, three_hosts.globex.url

    # Acme's "Sign in" leads to Accounts, where a newcomer creates an account and confirms the address.
    page.goto(acme)
    page.get_by_role("link", name="Sign in with Gatehouse").click()
    expect(page).to_have_url(re.compile(rf"^{re.escape(accounts)}/sign-in"))
    page.get_by_role("link", name="Create an account").click()
    page.get_by_label("Name").fill("Dana")
    page.get_by_label("Email").fill("dana@example.com")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Create account").click()
    expect(page.get_by_role("heading", name="Check your inbox")).to_be_visible()
    page.goto(f"{accounts}/dev/outbox/")
    page.locator("a[href*='/verify/']").first.click()
    page.get_by_role("button", name="Confirm my email").click()
    expect(page.get_by_text("Your email address is confirmed.")).to_be_visible()

    # Back at Acme: sign in with the new password.
    page.goto(acme)
    page.get_by_role("link", name="Sign in with Gatehouse").click()
    page.get_by_label("Email").fill("dana@example.com")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(f"{acme}/")
    expect(page.get_by_text("Signed in as Dana")).to_be_visible()

    # Globex: one click, no typing.
    page.goto(globex)
    page.get_by_role("link", name="Sign in", exact=True).click()
    expect(page).to_have_url(f"{globex}/")
    expect(page.get_by_text("Signed in as Dana")).to_be_visible()

    # Sign out at Globex: Accounts ends its session and back-channels Acme.
    page.get_by_role("button", name="Sign out").click()
    expect(page).to_have_url(f"{globex}/signed-out")
    expect(page.get_by_role("heading", name="You are signed out")).to_be_visible()
    page.goto(acme)
    expect(page.get_by_role("link", name="Sign in with Gatehouse")).to_be_visible()
    expect(page.get_by_text("Signed in as Dana")).to_have_count(0)
    page.goto(accounts)
    expect(page.get_by_role("heading", name="One account for every Gatehouse site")).to_be_visible()

    # Each origin only ever received the cookies it set itself, and the jar keeps them host-only.
    for site in (three_hosts.accounts, three_hosts.acme, three_hosts.globex):
        assert site.cookies.received <= site.cookies.set, f"{site.url} received {site.cookies.received}"
        assert site.cookies.set, f"{site.url} set no cookie"
    others = {
        three_hosts.accounts.url: three_hosts.acme.cookies.set | three_hosts.globex.cookies.set,
        three_hosts.acme.url: three_hosts.accounts.cookies.set | three_hosts.globex.cookies.set,
        three_hosts.globex.url: three_hosts.accounts.cookies.set | three_hosts.acme.cookies.set,
    }
    for url, foreign in others.items():
        jar = {c["name"] for c in page.context.cookies(url)}
        assert not jar & foreign, f"{url} would be sent {jar & foreign}"
    for cookie in page.context.cookies():
        assert not cookie["domain"].startswith("."), "host-only: no Domain attribute"
        assert cookie["httpOnly"] and cookie["sameSite"] == "Lax"
