"""Browser journey: ask for a sign-in link, open it from the outbox in the same browser, press the button.

A second browser profile opening the same link is refused, so the cookie's path and SameSite hold in Chromium;
each page of the journey has no serious accessibility violation (axe-core, as in test_every_page_accessible.py).
"""

import pytest
from playwright.sync_api import expect

from tests.browser.accessibility import serious_violations
from tests.conftest import link_in

pytestmark = pytest.mark.browser


def test_a_mailed_link_signs_in_only_in_the_browser_that_asked(live_server, make_user, outbox, page, browser):
    base = live_server.url
    make_user("alice@example.com", name="Alice")
    violations = []

    page.goto(f"{base}/sign-in")
    page.get_by_role("link", name="Email me a sign-in link").click()
    violations += serious_violations(page)
    page.get_by_label("Email").fill("alice@example.com")
    page.get_by_role("button", name="Email me a link").click()
    expect(page.get_by_text("we sent it a sign-in link")).to_be_visible()
    link = base + link_in(outbox("alice@example.com")[-1], "/sign-in/link/")

    stranger = browser.new_context()
    try:
        other = stranger.new_page()
        other.goto(link)
        expect(other.get_by_role("heading", name="Open it in the browser you asked from")).to_be_visible()
        violations += serious_violations(other)
    finally:
        stranger.close()

    page.goto(link)
    violations += serious_violations(page)
    page.get_by_role("button", name="Sign me in").click()
    expect(page.get_by_role("heading", name="Hello, Alice")).to_be_visible()
    assert not violations, violations
