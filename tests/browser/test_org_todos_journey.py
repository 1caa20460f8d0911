"""Browser journey (issue 6): invite through the outbox, accept, share a todo on Acme; isolation holds."""

import re

import pytest
from playwright.sync_api import Page, expect

from accounts.extensions import db
from accounts.orgs import services as orgs
from accounts.orgs.rules import Role
from common.clock import utcnow
from tests.conftest import PASSWORD

pytestmark = pytest.mark.browser

ERIN_PASSWORD = "erin's own long passphrase"


def sign_in_at_tenant(page: Page, tenant: str, email: str, password: str) -> None:
    """Press Sign in at a tenant; type the credentials if Accounts asks for them."""
    page.goto(tenant)
    page.get_by_role("link", name="Sign in with Gatehouse").click()
    if "/sign-in" in page.url:
        page.get_by_label("Email").fill(email)
        page.get_by_label("Password").fill(password)
        page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_text("Signed in as")).to_be_visible()


def switch_to(page: Page, org_name: str) -> None:
    page.get_by_label("Organization").select_option(label=org_name)
    page.get_by_role("button", name="Switch").click()
    expect(page.get_by_role("heading", name=re.compile(org_name))).to_be_visible()


def test_invite_accept_share_and_isolation(three_hosts, make_user, browser):
    accounts, acme, globex = three_hosts.accounts.url, three_hosts.acme.url, three_hosts.globex.url
    alice = make_user("alice@example.com", name="Alice")
    carol_user = make_user("carol@example.com", name="Carol")
    with three_hosts.accounts.app.app_context():
        org = orgs.create_org(alice.id, "Initech", "initech", utcnow())
        orgs.set_membership(org.id, carol_user.id, Role.MEMBER)
        db.session.commit()

    # Alice, the owner, invites Erin by email.
    owner = browser.new_context().new_page()
    owner.goto(f"{accounts}/sign-in")
    owner.get_by_label("Email").fill("alice@example.com")
    owner.get_by_label("Password").fill(PASSWORD)
    owner.get_by_role("button", name="Sign in").click()
    owner.goto(f"{accounts}/orgs/initech")
    owner.get_by_label("Email").fill("erin@example.com")
    owner.get_by_role("button", name="Send invitation").click()
    expect(owner.get_by_role("cell", name="erin@example.com")).to_be_visible()

    # Erin reads the outbox, creates her account, confirms it and accepts.
    erin = browser.new_context().new_page()
    erin.goto(f"{accounts}/dev/outbox/")
    invitation_link = erin.locator("a[href*='/invitations/']").first.get_attribute("href")
    erin.goto(invitation_link)
    erin.get_by_role("link", name="Create an account").click()
    erin.get_by_label("Name").fill("Erin")
    erin.get_by_label("Email").fill("erin@example.com")
    erin.get_by_label("Password").fill(ERIN_PASSWORD)
    erin.get_by_role("button", name="Create account").click()
    erin.goto(f"{accounts}/dev/outbox/")
    erin.locator("a[href*='/verify/']").first.click()
    erin.get_by_role("button", name="Confirm my email").click()
    erin.get_by_label("Email").fill("erin@example.com")
    erin.get_by_label("Password").fill(ERIN_PASSWORD)
    erin.get_by_role("button", name="Sign in").click()
    erin.goto(invitation_link)
    erin.get_by_role("button", name="Accept and join").click()
    expect(erin.get_by_role("heading", name=re.compile("Initech"))).to_be_visible()

    # On Acme she writes one private and one shared todo in Initech.
    sign_in_at_tenant(erin, acme, "erin@example.com", ERIN_PASSWORD)
    erin.get_by_role("link", name="Todos", exact=True).click()
    switch_to(erin, "Initech")
    for title, visibility in (
        ("Erin's private note", "Private: only me"),
        ("Erin's shared plan", "Organization: every member"),
    ):
        erin.get_by_role("link", name="New todo").click()
        erin.get_by_label("Title").fill(title)
        erin.get_by_label("Who can see it").select_option(label=visibility)
        erin.get_by_role("button", name="Add todo").click()
        expect(erin.get_by_role("link", name=title, exact=True)).to_be_visible()

    # Carol, another member, sees the shared todo only.
    carol = browser.new_context().new_page()
    sign_in_at_tenant(carol, acme, "carol@example.com", PASSWORD)
    carol.get_by_role("link", name="Todos", exact=True).click()
    switch_to(carol, "Initech")
    expect(carol.get_by_role("link", name="Erin's shared plan", exact=True)).to_be_visible()
    expect(carol.get_by_text("Erin's private note")).to_have_count(0)

    # On Globex, Erin's Initech list is empty: Acme's data never crosses over.
    sign_in_at_tenant(erin, globex, "erin@example.com", ERIN_PASSWORD)
    erin.get_by_role("link", name="Todos", exact=True).click()
    switch_to(erin, "Initech")
    expect(erin.get_by_text("No todos here yet")).to_be_visible()
    for context_page in (owner, erin, carol):
        context_page.context.close()
