"""Browser journey (issue 16): at Acme press Sign in, at Accounts "Continue with" an upstream provider,
pass its own login and consent pages, land signed in at Acme; Globex is then one click away (SSO).

The upstream is node-oidc-provider (devtools/upstream_provider/), as in tests/integration/test_federation.py.
"""

import re
import secrets
import tempfile
from collections.abc import Iterator

import pytest
from playwright.sync_api import expect

import accounts
from accounts.extensions import db, limiter
from devtools.upstream import accounts_as_client
from tests.browser.accessibility import serious_violations
from tests.browser.ports import pick_port
from tests.conftest import _clean, _stop_sites, accounts_overrides
from tests.integration.upstream import installed, start_provider, write_provider_file
from tests.live import Sites, start_sites

pytestmark = pytest.mark.browser

HOSTS = ("127.0.0.1", "127.0.0.2", "127.0.0.3")


@pytest.fixture
def upstream_sites(monkeypatch) -> Iterator[tuple[Sites, str]]:
    """The upstream provider, and Accounts (with a provider file for it), Acme and Globex on three hosts."""
    installed()
    provider_port = pick_port("127.0.0.1")
    ports = [pick_port(host) for host in HOSTS]
    issuer, accounts_url = f"http://127.0.0.1:{provider_port}", f"http://{HOSTS[0]}:{ports[0]}"
    secret = secrets.token_urlsafe(24)
    client = accounts_as_client(accounts_url, "node", secret)
    with tempfile.TemporaryDirectory() as folder, tempfile.TemporaryFile("w+") as log:
        write_provider_file(folder, "node", issuer, secret)
        process = start_provider(provider_port, [client], log)
        # Stopped whatever fails after it started (a site that cannot bind would otherwise leak node).
        try:
            app = accounts.create_app({**accounts_overrides(), "FEDERATION_UPSTREAMS_DIR": folder})
            with app.app_context():
                db.create_all()
                _clean(db)
            running = start_sites(monkeypatch, app, hosts=HOSTS, ports=ports)
            try:
                yield running, issuer
            finally:
                _stop_sites(running)
                with app.app_context():
                    limiter.reset()
                    db.session.remove()
                    _clean(db)
                    db.engine.dispose()
        finally:
            process.terminate()
            process.communicate(timeout=10)


def test_sign_in_at_acme_with_the_upstream_provider_then_globex_by_sso(upstream_sites, page):
    sites, issuer = upstream_sites
    acme, globex = sites.acme.url, sites.globex.url

    page.goto(acme)
    page.get_by_role("link", name="Sign in with Gatehouse").click()
    assert serious_violations(page) == [], "the sign-in page with its provider button"
    page.get_by_role("link", name="Continue with Node Provider").click()

    # node-oidc-provider's own pages: any login and password, then consent.
    expect(page).to_have_url(re.compile(rf"^{re.escape(issuer)}/interaction/"))
    page.locator("input[name=login]").fill("robin")
    page.locator("input[name=password]").fill("any")
    page.locator("button[type=submit]").click()
    page.locator("button[type=submit]").click()

    expect(page).to_have_url(f"{acme}/")
    expect(page.get_by_text("Signed in as Robin robin")).to_be_visible()

    page.goto(globex)
    page.get_by_role("link", name="Sign in", exact=True).click()
    expect(page).to_have_url(f"{globex}/")
    expect(page.get_by_text("Signed in as Robin robin")).to_be_visible()

    # At Accounts, the security page lists the new link; the account has no password to guess.
    page.goto(f"{sites.accounts.url}/security")
    expect(page.get_by_role("heading", name="Sign-in providers")).to_be_visible()
    expect(page.get_by_role("button", name="Unlink")).to_be_visible()
    assert serious_violations(page) == []
