"""SPEC §3.4: the flow inspector shows the sign-in's claims, lifetimes and request, never a secret."""

import requests
from sqlalchemy import select

from tenants.extensions import db as tenants_db
from tenants.signin.models import TokenSet
from tests.conftest import PASSWORD
from tests.live import sign_in_at_tenant


def test_the_inspector_shows_claims_and_the_request_but_no_secret(sites, make_user):
    make_user("alice@example.com", name="Alice")
    browser = requests.Session()
    sign_in_at_tenant(browser, sites.acme.url, "alice@example.com", PASSWORD)

    page = browser.get(f"{sites.acme.url}/inspector").text
    session_cookie = browser.cookies.get(sites.acme.app.config["SESSION_COOKIE_NAME"])

    for expected in ("<code>sub</code>", "<code>sid</code>", "<code>amr</code>", "<code>auth_time</code>", "S256"):
        assert expected in page
    assert "code_verifier" not in page
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
