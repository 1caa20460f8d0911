"""Issue 12 items 5 and 6 in a real browser: the flow inspector and the API reference read well at desktop and
phone size (no sideways page scroll, the diagram drawn for the screen), lead to each other and to the other
tenant's inspector, and pass axe; the development-only token can be copied."""

import re

import pytest
from playwright.sync_api import Page, expect

from tests.browser.accessibility import serious_violations
from tests.conftest import PASSWORD

pytestmark = pytest.mark.browser

DESKTOP = {"width": 1280, "height": 800}
PHONE = {"width": 390, "height": 844}


def no_sideways_scroll(page: Page) -> None:
    width, viewport = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    assert width <= viewport, f"{page.url} scrolls sideways: {width} > {viewport}"


# A long address: its claim value must wrap on a phone, not widen the page (as the acr URI once did).
EMAIL = "alice.witharatherlongaddress@examplecorporation.example"


def sign_in_at(page: Page, tenant: str, email: str = EMAIL) -> None:
    page.goto(f"{tenant}/inspector")  # login_required: through Accounts and back here
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name="Flow inspector")).to_be_visible()


def test_the_inspector_reads_well_on_a_phone_and_leads_to_the_other_tenants_sid(three_hosts, make_user, page):
    make_user(EMAIL, name="Alice")
    acme, globex = three_hosts.acme.url, three_hosts.globex.url
    sign_in_at(page, acme)

    page.set_viewport_size(DESKTOP)
    expect(page.locator("svg.flow-wide")).to_be_visible()
    expect(page.locator("svg.flow-narrow")).to_be_hidden()
    expect(page.get_by_role("img", name=re.compile("^Sequence diagram"))).to_have_count(1)  # the visible one
    assert serious_violations(page) == []

    page.set_viewport_size(PHONE)
    expect(page.locator("svg.flow-narrow")).to_be_visible()
    expect(page.locator("svg.flow-wide")).to_be_hidden()
    svg = page.locator("svg.flow-narrow").bounding_box()
    assert svg["width"] >= 300 and svg["x"] >= 0 and svg["x"] + svg["width"] <= PHONE["width"]
    no_sideways_scroll(page)
    assert serious_violations(page) == []
    expect(page.get_by_text("Who issued the token")).to_be_visible()

    sid = page.locator("#compare-sid code").nth(1).inner_text()
    page.locator("#compare-sid").get_by_role("link", name="open Globex's flow inspector").click()
    expect(page).to_have_url(f"{globex}/inspector")  # single sign-on: no form
    expect(page.locator("#compare-sid code").nth(1)).to_have_text(sid)
    no_sideways_scroll(page)


def test_the_api_reference_from_the_inspector_and_the_token_to_copy(three_hosts, make_user, page):
    make_user(EMAIL, name="Alice")
    acme = three_hosts.acme.url
    sign_in_at(page, acme)

    page.get_by_role("link", name="API reference").first.click()
    expect(page).to_have_url(f"{acme}/docs/api")
    expect(page.get_by_role("heading", name="Acme todo API")).to_be_visible()
    for size in (DESKTOP, PHONE):
        page.set_viewport_size(size)
        no_sideways_scroll(page)
        assert serious_violations(page) == []
    page.get_by_role("link", name="PATCH /orgs/{org_id}/todos/{todo_id}", exact=True).click()
    expect(page.locator("#updateTodo")).to_be_in_viewport()

    page.set_viewport_size(DESKTOP)
    page.get_by_role("link", name="flow inspector", exact=True).click()  # "Getting a token" leads to the button
    page.get_by_role("button", name="Show access token").click()
    expect(page.get_by_role("heading", name="Your access token")).to_be_visible()
    expect(page.get_by_role("button", name="Copy access token")).to_be_visible()  # gatehouse.js shows it
    assert page.locator("#access-token").inner_text().count(".") == 2  # a JWT
    page.set_viewport_size(PHONE)
    no_sideways_scroll(page)
    assert serious_violations(page) == []
