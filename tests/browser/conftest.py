"""Browser fixtures: sites served on loopback ports in background threads, and headless Chromium.

Playwright (sync API) drives Debian's Chromium at /usr/bin/chromium
(`apt-get install -y chromium`); tests fail loudly if it is missing.
"""

from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Page, sync_playwright

from tests import live
from tests.browser.ports import pick_port
from tests.conftest import _stop_sites
from tests.live import LiveServer, Sites, serve, start_sites

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture(autouse=True)
def _ports(monkeypatch) -> None:
    """Sites listen on ports from GATEHOUSE_TEST_PORTS when it is set (shared machines), any free port otherwise."""
    monkeypatch.setattr(live, "free_port", pick_port)


@pytest.fixture
def live_server(accounts_app) -> Iterator[LiveServer]:
    """The Accounts site (empty tables, as in accounts_app) over real HTTP."""
    server = serve(accounts_app, port=pick_port("127.0.0.1"))
    yield server
    server.stop()


@pytest.fixture
def three_hosts(monkeypatch, accounts_app) -> Iterator[Sites]:
    """Accounts, Acme and Globex on three distinct loopback hosts: three origins, three cookie jars."""
    running = start_sites(monkeypatch, accounts_app, hosts=("127.0.0.1", "127.0.0.2", "127.0.0.3"))
    yield running
    _stop_sites(running)


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    """One headless Chromium for the whole run."""
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser) -> Iterator[Page]:
    """A fresh browser profile (no cookies) per test; CSP violations fail the test."""
    context = browser.new_context()
    page = context.new_page()
    violations: list[str] = []
    page.on("console", lambda msg: violations.append(msg.text) if "Content Security Policy" in msg.text else None)
    page.set_default_timeout(10_000)
    yield page
    context.close()
    assert not violations, f"CSP violations: {violations}"
