"""SPEC §3.4: the flow inspector shows the sign-in's claims, lifetimes and request, never a secret; issue 12: both
tenants' inspectors show the one Accounts `sid`, and the token shown in development works with the README's curl."""

import re

import requests
from sqlalchemy import select

from tenants.extensions import db as tenants_db
from tenants.signin.models import TokenSet
from tests.conftest import PASSWORD
from tests.live import form_token, sign_in_at_tenant


def test_the_inspector_shows_claims_and_the_request_but_no_secret(sites, make_user):
    make_user("alice@example.com", name="Alice")
    browser = requests.Session()
    sign_in_at_tenant(browser, sites.acme.url, "alice@example.com", PASSWORD)

    page = browser.get(f"{sites.acme.url}/inspector").text
    session_cookie = browser.cookies.get(sites.acme.app.config["SESSION_COOKIE_NAME"])

    for expected in ("<code>sub</code>", "<code>sid</code>", "<code>amr</code>", "<code>auth_time</code>", "S256"):
        assert expected in page
    # The diagram names the PKCE verifier to teach the flow; its value is never recorded, so never shown.
    assert "code_verifier=" not in page and "<dt><code>code_verifier</code></dt>" not in page
    assert "redacted" in page
    assert session_cookie not in page
    with sites.acme.app.app_context():
        tokens = tenants_db.session.scalars(select(TokenSet)).one()
        secrets = [
            tokens.access_token,
            tokens.refresh_token,
            tokens.id_token,
            sites.acme.app.config["TENANT"].client_secret,
        ]
    assert not [s for s in secrets if s in page], "tokens and the client secret never appear in full"


def test_both_inspectors_show_one_sid_and_link_each_other(sites, make_user):
    make_user("alice@example.com", name="Alice")
    browser = requests.Session()
    sign_in_at_tenant(browser, sites.acme.url, "alice@example.com", PASSWORD)
    sign_in_at_tenant(browser, sites.globex.url, "alice@example.com", PASSWORD)  # single sign-on

    acme = browser.get(f"{sites.acme.url}/inspector").text
    globex = browser.get(f"{sites.globex.url}/inspector").text
    sids = {
        re.search(r"It shows the same <code>sid</code>, <code>([^<]+)</code>", page).group(1) for page in (acme, globex)
    }
    assert len(sids) == 1, "one Accounts session, one sid on both sites"
    assert f'<a href="{sites.globex.url}/inspector">' in acme and f'<a href="{sites.acme.url}/inspector">' in globex
    assert f"sid={sids.pop()}" in acme  # the diagram draws the real value


def test_the_revealed_token_works_for_the_readmes_curl_lines(sites, make_user):
    make_user("alice@example.com", name="Alice")
    browser = requests.Session()
    sign_in_at_tenant(browser, sites.acme.url, "alice@example.com", PASSWORD)
    page = browser.get(f"{sites.acme.url}/inspector").text
    assert "Show access token" in page

    shown = browser.post(f"{sites.acme.url}/inspector/access-token", data={"csrf_token": form_token(page)})
    assert shown.status_code == 200 and shown.headers["Cache-Control"] == "no-store"
    token = re.search(r'<pre class="token-box" id="access-token"><code>([^<]+)</code></pre>', shown.text).group(1)
    # What `curl -H "Authorization: Bearer $ACCESS_TOKEN" http://localhost:5001/api/v1/orgs` does:
    orgs = requests.get(f"{sites.acme.url}/api/v1/orgs", headers={"Authorization": f"Bearer {token}"}, timeout=10)
    assert orgs.status_code == 200 and orgs.json()["items"], orgs.headers.get("WWW-Authenticate")
    # The same token is Acme's alone: Globex's API refuses it (aud names Acme's resource identifier).
    other = requests.get(f"{sites.globex.url}/api/v1/orgs", headers={"Authorization": f"Bearer {token}"}, timeout=10)
    assert other.status_code == 401
