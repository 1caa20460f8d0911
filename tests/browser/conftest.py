"""Browser fixtures: sites served on loopback ports in background threads, and headless Chromium.

Playwright (sync API) drives Debian's Chromium at /usr/bin/chromium
(`apt-get install -y chromium`); tests fail loudly if it is missing.
"""

import threading
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from flask import Flask
from playwright.sync_api import Browser, Page, sync_playwright
from werkzeug.serving import BaseWSGIServer, make_server

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@dataclass
class LiveServer:
    """A site answering real HTTP on host:port from a background thread."""

    app: Flask
    url: str
    server: BaseWSGIServer
    thread: threading.Thread

    def stop(self) -> None:
        self.server.shutdown()
        self.thread.join()
        self.server.server_close()


def serve(app: Flask, host: str = "127.0.0.1") -> LiveServer:
    """Serve app on a free port of host (127.0.0.2, .3 … give each site its own origin)."""
    server = make_server(host, 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name=f"live-{host}", daemon=True)
    thread.start()
    return LiveServer(app, f"http://{host}:{server.server_port}", server, thread)


@pytest.fixture
def live_server(accounts_app) -> Iterator[LiveServer]:
    """The Accounts site (empty tables, as in accounts_app) over real HTTP."""
    server = serve(accounts_app)
    yield server
    server.stop()


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
