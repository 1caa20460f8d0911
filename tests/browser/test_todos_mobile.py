"""Issue 12 item 10: the todo list on a phone (390×844): labelled rows, a checkbox-style toggle, no sideways scroll;
and a new sign-in starts in the org last switched to."""

import re

import pytest
from playwright.sync_api import Page, expect

from accounts.extensions import db
from accounts.orgs import services as orgs
from common.clock import utcnow
from tests.browser.accessibility import serious_violations
from tests.conftest import PASSWORD

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}
TODOS = [
    ("Water the office plants", "2026-12-24"),
    ("Book a venue for the quarterly offsite with room for everyone, parking and a projector", "2027-01-15"),
    ("Order coffee", ""),
]


def sign_in_at_acme(page: Page, acme: str) -> None:
    page.goto(acme)
    page.get_by_role("link", name="Sign in with Gatehouse").click()
    if "/sign-in" in page.url:
        page.get_by_label("Email").fill("alice@example.com")
        page.get_by_label("Password").fill(PASSWORD)
        page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_text("Signed in as")).to_be_visible()


def no_sideways_scroll(page: Page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def test_the_todo_list_on_a_phone(three_hosts, make_user, browser):
    acme = three_hosts.acme.url
    alice = make_user("alice@example.com", name="Alice")
    with three_hosts.accounts.app.app_context():
        orgs.create_org(alice.id, "Initech", "initech", utcnow())
        db.session.commit()

    page = browser.new_context().new_page()
    sign_in_at_acme(page, acme)
    page.get_by_role("link", name="Todos", exact=True).click()
    page.get_by_label("Organization").select_option(label="Initech")
    page.get_by_role("button", name="Switch").click()
    for title, due in TODOS:
        page.get_by_role("link", name="New todo").click()
        expect(page.get_by_label("Who can see it")).to_have_value("org")  # shared by default in an org
        page.get_by_label("Title").fill(title)
        if due:
            page.get_by_label("Due date").fill(due)
        page.get_by_role("button", name="Add todo").click()
        expect(page.get_by_text(f"Added “{title}”.")).to_be_visible()

    page.set_viewport_size(PHONE)
    page.goto(f"{acme}/todos/")
    expect(page.get_by_text("3 open · 0 done")).to_be_visible()
    rows = page.locator(".todo-row")
    expect(rows).to_have_count(3)
    for title, due in TODOS:
        row = rows.filter(has=page.get_by_role("link", name=title, exact=True))
        # Each row keeps its labels on a phone: what a value is, not a bare stack of values.
        for label in ("Seen by", "By") + (("Due",) if due else ()):
            expect(row.locator("dt", has_text=re.compile(f"^{label}$"))).to_be_visible()
        box = row.get_by_role("button", name=f"Mark “{title}” done").bounding_box()
        assert box["width"] >= 24 and box["height"] >= 24, box  # WCAG 2.5.8 target size
    expect(rows.nth(1).locator("time")).to_have_text("15 Jan 2027")  # newest first: the venue is second
    assert no_sideways_scroll(page)
    assert serious_violations(page) == []

    page.get_by_role("button", name="Mark “Order coffee” done").click()
    expect(page.get_by_text("“Order coffee” is done.")).to_be_visible()
    expect(page.get_by_text("2 open · 1 done")).to_be_visible()
    expect(page.get_by_role("link", name="Order coffee")).to_have_count(0)  # the open tab shows open todos
    page.get_by_role("link", name="Done", exact=True).click()
    expect(page.get_by_role("link", name="Done", exact=True)).to_have_attribute("aria-current", "page")
    page.get_by_role("button", name="Mark “Order coffee” open").click()
    expect(page.get_by_text("“Order coffee” is open again.")).to_be_visible()
    expect(page.get_by_text("Nothing done yet.")).to_be_visible()
    assert no_sideways_scroll(page)
    page.context.close()

    # A new browser: after signing in, Alice is back in Initech, the org she last switched to.
    again = browser.new_context(viewport=PHONE).new_page()
    again.goto(acme)
    again.get_by_role("link", name="Sign in with Gatehouse").click()
    again.get_by_label("Email").fill("alice@example.com")
    again.get_by_label("Password").fill(PASSWORD)
    again.get_by_role("button", name="Sign in").click()
    again.goto(f"{acme}/todos/")
    expect(again.get_by_role("heading", level=1)).to_contain_text("Initech")
    again.context.close()
