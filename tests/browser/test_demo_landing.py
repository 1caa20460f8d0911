"""Issue 12: the demo explains itself. Accounts' landing links the apps; the tenants link each other; phones get a
folding menu; a `.test` invitation goes through the outbox; axe finds nothing serious on the main pages."""

import pyotp
import pytest
from playwright.sync_api import Browser, Page, expect

from accounts.extensions import db
from accounts.orgs import services as orgs
from accounts.orgs.rules import Role
from common.clock import utcnow
from tests.accounts.mfa.conftest import enrol
from tests.browser.accessibility import serious_violations
from tests.conftest import PASSWORD

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}
ERIN_PASSWORD = "erin's own long passphrase"


@pytest.fixture
def demo(three_hosts):
    """The three sites with the development-only demo tour switched on."""
    for site in (three_hosts.accounts, three_hosts.acme, three_hosts.globex):
        site.app.config["DEMO_TOUR"] = True
    return three_hosts


def sign_in_here(page: Page, email: str, password: str = PASSWORD) -> None:
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()


def test_landing_tiles_lead_from_accounts_to_acme_and_on_to_globex_signed_in(demo, make_user, page):
    make_user("alice@gatehouse.test", name="Alice")
    page.goto(demo.accounts.url)
    expect(page.get_by_role("heading", name="Demo accounts")).to_be_visible()
    expect(page.get_by_role("cell", name="alice-demo-password")).to_be_visible()
    tiles = page.locator(".tiles")
    expect(tiles.get_by_role("link")).to_have_count(2)
    expect(tiles.get_by_role("link", name="Globex", exact=True)).to_have_attribute("href", f"{demo.globex.url}/")

    tiles.get_by_role("link", name="Acme", exact=True).click()
    expect(page).to_have_url(f"{demo.acme.url}/")
    page.get_by_role("link", name="Sign in with Gatehouse").click()
    sign_in_here(page, "alice@gatehouse.test")
    expect(page.get_by_text("Signed in as Alice")).to_be_visible()

    page.locator(".tiles").get_by_role("link", name="Globex", exact=True).click()
    expect(page).to_have_url(f"{demo.globex.url}/")
    page.get_by_role("link", name="Sign in with Gatehouse").click()  # single sign-on: no form
    expect(page).to_have_url(f"{demo.globex.url}/")
    expect(page.get_by_text("Signed in as Alice")).to_be_visible()

    footer = page.get_by_role("navigation", name="Demo sites")
    expect(footer.get_by_role("link", name="Outbox")).to_have_attribute("href", f"{demo.accounts.url}/dev/outbox/")
    footer.get_by_role("link", name="Accounts").click()
    expect(page.get_by_role("heading", name="Hello, Alice")).to_be_visible()


def test_an_invitation_to_a_test_address_is_accepted_through_the_outbox(demo, make_user, browser: Browser):
    accounts = demo.accounts.url
    alice = make_user("alice@gatehouse.test", name="Alice")
    with demo.accounts.app.app_context():
        orgs.create_org(alice.id, "Initech", "initech", utcnow())
        db.session.commit()

    owner = browser.new_context().new_page()
    owner.goto(f"{accounts}/sign-in")
    sign_in_here(owner, "alice@gatehouse.test")
    owner.goto(f"{accounts}/orgs/initech")
    owner.get_by_label("Email").fill("erin@gatehouse.test")
    owner.get_by_role("button", name="Send invitation").click()
    expect(owner.get_by_text("Invited erin@gatehouse.test as member.")).to_be_visible()

    erin = browser.new_context().new_page()
    erin.goto(f"{accounts}/dev/outbox/")
    invitation = erin.locator("a[href*='/invitations/']").first.get_attribute("href")
    erin.goto(invitation)
    erin.get_by_role("link", name="Create an account").click()
    erin.get_by_label("Name").fill("Erin")
    erin.get_by_label("Email").fill("erin@gatehouse.test")
    erin.get_by_label("Password").fill(ERIN_PASSWORD)
    erin.get_by_role("button", name="Create account").click()
    erin.goto(f"{accounts}/dev/outbox/")
    erin.locator("a[href*='/verify/']").first.click()
    erin.get_by_role("button", name="Confirm my email").click()
    sign_in_here(erin, "erin@gatehouse.test", ERIN_PASSWORD)
    erin.goto(invitation)
    erin.get_by_role("button", name="Accept and join").click()
    expect(erin.get_by_text("You joined Initech as member.")).to_be_visible()
    for context in (owner.context, erin.context):
        context.close()


@pytest.mark.parametrize("site", ["accounts", "acme"])
def test_on_a_phone_the_header_menu_is_folded_opens_and_its_links_work(demo, make_user, browser: Browser, site):
    make_user("alice@gatehouse.test", name="Alice")
    page = browser.new_context(viewport=PHONE).new_page()
    if site == "accounts":
        page.goto(f"{demo.accounts.url}/sign-in")
        sign_in_here(page, "alice@gatehouse.test")
        target, heading = "Sessions", "Your sessions"
    else:
        page.goto(demo.acme.url)
        # A menu of one item is not folded: signed out, the tenant's "Sign in" stays in the header.
        expect(page.get_by_text("Menu", exact=True)).to_be_hidden()
        expect(page.get_by_role("link", name="Sign in", exact=True)).to_be_visible()
        page.get_by_role("link", name="Sign in with Gatehouse").click()
        sign_in_here(page, "alice@gatehouse.test")
        target, heading = "Todos", "Your personal space"
    menu = page.get_by_role("navigation", name="Main")
    expect(menu.get_by_role("link", name=target, exact=True)).to_be_hidden()
    header = page.locator(".site-header").bounding_box()
    assert header["height"] < 80, "the folded header is one row"
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"], "nothing scrolls sideways"

    page.get_by_text("Menu", exact=True).click()
    expect(menu.get_by_role("link", name=target, exact=True)).to_be_visible()
    menu.get_by_role("link", name=target, exact=True).click()
    expect(page.get_by_role("heading", name=heading)).to_be_visible()
    expect(page.get_by_role("navigation", name="Main").get_by_role("link", name=target, exact=True)).to_be_hidden()
    page.context.close()


def test_on_a_wide_screen_the_menu_is_always_open(demo, make_user, page):
    make_user("alice@gatehouse.test", name="Alice")
    page.set_viewport_size({"width": 1280, "height": 800})
    page.goto(f"{demo.accounts.url}/sign-in")
    sign_in_here(page, "alice@gatehouse.test")
    expect(page.get_by_text("Menu", exact=True)).to_be_hidden()
    expect(page.get_by_role("navigation", name="Main").get_by_role("link", name="Organizations")).to_be_visible()


def test_the_main_pages_have_no_serious_accessibility_violations(demo, make_user, browser: Browser):
    alice = make_user("alice@gatehouse.test", name="Alice")
    bob = make_user("bob@gatehouse.test", name="Bob")
    secret = enrol(demo.accounts.app, alice.id)[0]
    with demo.accounts.app.app_context():
        org = orgs.create_org(alice.id, "Initech", "initech", utcnow())
        orgs.set_membership(org.id, bob.id, Role.MEMBER)
        db.session.commit()
    accounts, acme = demo.accounts.url, demo.acme.url
    found = []
    # Alice (two-factor) at desktop size, Bob (password only) on a phone: a TOTP code works only once.
    for viewport, email, name, totp_secret in (
        ({"width": 1280, "height": 800}, "alice@gatehouse.test", "Alice", secret),
        (PHONE, "bob@gatehouse.test", "Bob", None),
    ):
        page = browser.new_context(viewport=viewport).new_page()
        for url in (accounts, f"{accounts}/sign-in", f"{accounts}/sign-up", acme):
            page.goto(url)
            found += serious_violations(page)
        page.goto(f"{accounts}/sign-up")
        page.get_by_role("button", name="Create account").click()  # a form with errors
        found += serious_violations(page)
        page.goto(f"{accounts}/sign-in")
        sign_in_here(page, email)
        if totp_secret:
            page.get_by_label("Code from your app, or a backup code").fill(pyotp.TOTP(totp_secret).now())
            page.get_by_role("button", name="Verify").click()
        expect(page.get_by_role("heading", name=f"Hello, {name}")).to_be_visible()
        for path in ("/", "/security", "/sessions/", "/orgs/", "/orgs/initech"):
            page.goto(accounts + path)
            found += serious_violations(page)
        page.goto(acme)
        page.get_by_role("link", name="Sign in with Gatehouse").click()
        expect(page.get_by_role("link", name="Open your todos")).to_be_visible()
        found += serious_violations(page)
        if viewport == PHONE:
            page.get_by_text("Menu", exact=True).click()
            found += serious_violations(page)
        page.context.close()
    assert not found, "\n".join(found)
