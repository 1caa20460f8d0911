"""Issue 12: destructive actions ask first. Transfer wants the slug typed, Remove and Leave show what follows and
offer Cancel, a todo's Delete has its own page; a wrong or cancelled step changes nothing."""

import pytest
from playwright.sync_api import Browser, Page, expect

from accounts.extensions import db
from accounts.orgs import services as orgs
from accounts.orgs.rules import Role
from common.clock import utcnow
from tests.conftest import PASSWORD

pytestmark = pytest.mark.browser


@pytest.fixture
def initech(three_hosts, make_user):
    """Initech: Alice owns it, Bob and Carol are members."""
    people = {name: make_user(f"{name.lower()}@example.com", name=name) for name in ("Alice", "Bob", "Carol")}
    with three_hosts.accounts.app.app_context():
        org = orgs.create_org(people["Alice"].id, "Initech", "initech", utcnow())
        for name in ("Bob", "Carol"):
            orgs.set_membership(org.id, people[name].id, Role.MEMBER)
        db.session.commit()
    return three_hosts


def signed_in(browser: Browser, sites, email: str) -> Page:
    page = browser.new_context().new_page()
    page.goto(f"{sites.accounts.url}/sign-in")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.goto(f"{sites.accounts.url}/orgs/initech")
    return page


def role_of(page: Page, name: str):
    return page.get_by_role("row").filter(has_text=name)


def test_transfer_asks_for_the_slug_and_a_wrong_one_changes_nothing(initech, browser: Browser):
    alice = signed_in(browser, initech, "alice@example.com")
    alice.get_by_role("link", name="Transfer ownership… to Bob").click()
    expect(alice.get_by_role("heading", name="Make Bob an owner of Initech?")).to_be_visible()
    expect(alice.get_by_text("You become an admin")).to_be_visible()
    alice.get_by_label("Type the slug to confirm").fill("initec")
    alice.get_by_role("button", name="Transfer ownership to Bob").click()
    expect(alice.get_by_role("heading", name="Make Bob an owner of Initech?")).to_be_visible()  # still asking
    alice.goto(f"{initech.accounts.url}/orgs/initech")
    expect(alice.get_by_text("your role: owner")).to_be_visible()

    alice.get_by_role("link", name="Transfer ownership… to Bob").click()
    alice.get_by_label("Type the slug to confirm").fill("initech")
    alice.get_by_role("button", name="Transfer ownership to Bob").click()
    expect(alice.get_by_text("Bob is now an owner; you are an admin.")).to_be_visible()
    expect(alice.get_by_text("your role: admin")).to_be_visible()
    alice.context.close()


def test_remove_shows_what_follows_cancel_keeps_the_member_and_confirm_removes(initech, browser: Browser):
    alice = signed_in(browser, initech, "alice@example.com")
    alice.get_by_role("link", name="Remove… Carol").click()
    expect(alice.get_by_role("heading", name="Remove Carol from Initech?")).to_be_visible()
    alice.get_by_role("link", name="Cancel").click()
    expect(role_of(alice, "Carol")).to_have_count(1)

    alice.get_by_role("link", name="Remove… Carol").click()
    alice.get_by_role("button", name="Remove Carol").click()
    expect(alice.get_by_text("Removed Carol.")).to_be_visible()
    expect(role_of(alice, "carol@example.com")).to_have_count(0)
    alice.context.close()


def test_leaving_is_confirmed_on_its_own_page(initech, browser: Browser):
    bob = signed_in(browser, initech, "bob@example.com")
    bob.get_by_role("link", name="Leave Initech…").click()
    expect(bob.get_by_role("heading", name="Leave Initech?")).to_be_visible()
    bob.get_by_role("button", name="Leave Initech").click()
    expect(bob.get_by_text("You left Initech.")).to_be_visible()
    bob.context.close()


def test_a_todo_is_deleted_only_from_its_confirmation_page(initech, browser: Browser):
    page = browser.new_context().new_page()
    page.goto(f"{initech.acme.url}/auth/sign-in")
    page.get_by_label("Email").fill("alice@example.com")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.goto(f"{initech.acme.url}/todos/new")
    page.get_by_label("Title").fill("Water the plants")
    page.get_by_role("button", name="Add todo").click()
    expect(page.get_by_text("Added “Water the plants”.")).to_be_visible()
    page.locator("a[href$='/delete']").first.click()
    expect(page.get_by_role("button", name="Delete")).to_be_visible()
    page.go_back()
    page.reload()
    expect(page.get_by_text("Water the plants").first).to_be_visible()  # leaving the page deleted nothing
    page.locator("a[href$='/delete']").first.click()
    page.get_by_role("button", name="Delete").click()
    expect(page.get_by_text("Deleted “Water the plants”.")).to_be_visible()
    page.context.close()
