"""SPEC §3.1 and §2.5 over real HTTP: sign in once across tenants, sign out everywhere."""

import requests

from tests.conftest import PASSWORD
from tests.live import sign_in_at_tenant, sign_out_at_tenant


def signed_in_as(browser, url: str) -> str | None:
    page = browser.get(f"{url}/").text
    return "Alice" if "Signed in as <strong>Alice</strong>" in page else None


def test_sign_in_at_acme_then_globex_needs_no_typing(sites, make_user):
    make_user("alice@example.com", name="Alice")
    browser = requests.Session()

    landed = sign_in_at_tenant(browser, sites.acme.url, "alice@example.com", PASSWORD)
    assert landed.url == f"{sites.acme.url}/"
    assert signed_in_as(browser, sites.acme.url) == "Alice"

    # Globex: one press of "Sign in" and the Accounts session is reused, no password asked.
    response = browser.get(f"{sites.globex.url}/auth/sign-in")
    assert response.url == f"{sites.globex.url}/"
    assert signed_in_as(browser, sites.globex.url) == "Alice"


def test_sign_out_at_globex_signs_out_of_accounts_and_acme(sites, make_user):
    make_user("alice@example.com", name="Alice")
    browser = requests.Session()
    sign_in_at_tenant(browser, sites.acme.url, "alice@example.com", PASSWORD)
    browser.get(f"{sites.globex.url}/auth/sign-in")

    landed = sign_out_at_tenant(browser, sites.globex.url)

    assert landed.url == f"{sites.globex.url}/signed-out"
    assert signed_in_as(browser, sites.globex.url) is None
    assert signed_in_as(browser, sites.acme.url) is None, "the back-channel logout ended Acme's session"
    assert "Hello, Alice" not in browser.get(f"{sites.accounts.url}/").text
