"""SPEC §3.1 over real HTTP: the tenant's OIDC client refuses every tampered or stale step, refreshes safely."""

import threading
from datetime import timedelta
from urllib.parse import parse_qs, urlencode, urlsplit, urlunsplit

import pytest
import requests
from sqlalchemy import func, select, update

from accounts.extensions import db as accounts_db
from accounts.oidc.models import Token
from accounts.oidc.services import revoke_session_tokens
from accounts.orgs import services as orgs
from accounts.orgs.rules import Role
from common.clock import utcnow
from tenants.extensions import db as tenants_db
from tenants.signin.client import provider
from tenants.signin.models import TokenSet
from tests.conftest import PASSWORD
from tests.live import form_token, sign_in_at_tenant


@pytest.fixture
def alice(make_user):
    return make_user("alice@example.com", name="Alice")


def signed_in(browser, url: str) -> bool:
    return "Signed in as <strong>Alice</strong>" in browser.get(f"{url}/").text


def sign_in_at_accounts(browser, accounts_url: str) -> None:
    page = browser.get(f"{accounts_url}/sign-in")
    browser.post(
        f"{accounts_url}/sign-in",
        data={"csrf_token": form_token(page.text), "email": "alice@example.com", "password": PASSWORD},
    )


def with_query(url: str, **changes) -> str:
    parts = urlsplit(url)
    query = {k: v[0] for k, v in parse_qs(parts.query).items()} | changes
    return urlunsplit(parts._replace(query=urlencode(query)))


def test_a_protected_page_sends_an_anonymous_user_to_sign_in_and_back(sites, alice):
    browser = requests.Session()
    page = browser.get(f"{sites.acme.url}/inspector")
    assert urlsplit(page.url).path == "/sign-in", "Accounts asks for the password"

    browser.post(
        page.url.split("?")[0],
        data={
            "csrf_token": form_token(page.text),
            "email": "alice@example.com",
            "password": PASSWORD,
            "next": parse_qs(urlsplit(page.url).query)["next"][0],
        },
    )

    assert browser.get(f"{sites.acme.url}/inspector").url == f"{sites.acme.url}/inspector"


@pytest.mark.parametrize(
    "target", ["//evil.example/", "https://evil.example/", "/\\evil.example", "javascript:alert(1)"]
)
def test_next_never_leaves_the_tenant(sites, alice, target):
    landed = sign_in_at_tenant(requests.Session(), sites.acme.url, "alice@example.com", PASSWORD, next=target)
    assert landed.url == f"{sites.acme.url}/"


def start(browser, sites) -> str:
    """Sign in at Accounts, press Sign in at Acme; return the authorization URL Acme sent us to."""
    sign_in_at_accounts(browser, sites.accounts.url)
    return browser.get(f"{sites.acme.url}/auth/sign-in", allow_redirects=False).headers["Location"]


def callback_of(browser, authorize_url: str) -> str:
    """The callback URL Accounts answers with, not yet followed."""
    return browser.get(authorize_url, allow_redirects=False).headers["Location"]


def test_a_callback_whose_state_was_not_issued_here_is_refused(sites, alice):
    browser = requests.Session()
    callback = callback_of(browser, start(browser, sites))

    response = browser.get(with_query(callback, state="forged-state"))

    assert response.status_code == 400
    assert not signed_in(browser, sites.acme.url)


def test_a_callback_from_another_session_is_refused(sites, alice):
    victim, attacker = requests.Session(), requests.Session()
    callback = callback_of(attacker, start(attacker, sites))

    # Login CSRF: the attacker's code and state delivered to the victim's browser.
    assert victim.get(callback).status_code == 400
    assert not signed_in(victim, sites.acme.url)


def test_an_id_token_with_another_nonce_is_refused(sites, alice):
    browser = requests.Session()
    authorize = with_query(start(browser, sites), nonce="a-nonce-the-tenant-never-sent")

    response = browser.get(callback_of(browser, authorize))

    assert response.status_code == 400
    assert not signed_in(browser, sites.acme.url)


@pytest.mark.parametrize(
    "tamper", [{"code": "forged-code"}, {"iss": "http://evil.example"}, {"error": "access_denied"}], ids=str
)
def test_a_tampered_callback_is_refused(sites, alice, tamper):
    browser = requests.Session()
    callback = callback_of(browser, start(browser, sites))

    response = browser.get(with_query(callback, **tamper))

    assert response.status_code in (400, 403)
    assert "Traceback" not in response.text
    assert not signed_in(browser, sites.acme.url)


def test_a_callback_without_iss_is_refused_when_the_provider_sends_it(sites, alice):
    browser = requests.Session()
    parts = urlsplit(callback_of(browser, start(browser, sites)))
    query = {k: v[0] for k, v in parse_qs(parts.query).items() if k != "iss"}

    response = browser.get(urlunsplit(parts._replace(query=urlencode(query))))

    assert response.status_code == 400


def expire_access_token(sites, seconds_left: int = 5) -> None:
    with sites.acme.app.app_context():
        tenants_db.session.execute(
            update(TokenSet).values(access_expires_at=utcnow() + timedelta(seconds=seconds_left))
        )
        tenants_db.session.commit()


def test_a_refused_refresh_signs_the_user_out(sites, alice):
    browser = requests.Session()
    sign_in_at_tenant(browser, sites.acme.url, "alice@example.com", PASSWORD)
    with sites.accounts.app.app_context():
        sid = accounts_db.session.scalar(select(Token.sid))
        revoke_session_tokens(sid, utcnow())
        accounts_db.session.commit()
    expire_access_token(sites)

    assert not signed_in(browser, sites.acme.url)


def test_concurrent_requests_across_an_expiry_survive_with_one_rotation(sites, alice):
    browser = requests.Session()
    sign_in_at_tenant(browser, sites.acme.url, "alice@example.com", PASSWORD)
    expire_access_token(sites)
    results: list[int] = []

    def tab():
        tab_browser = requests.Session()
        tab_browser.cookies.update(browser.cookies)
        response = tab_browser.get(f"{sites.acme.url}/inspector", allow_redirects=False)
        results.append(response.status_code if "Flow inspector" in response.text else -response.status_code)

    tabs = [threading.Thread(target=tab) for _ in range(6)]
    for t in tabs:
        t.start()
    for t in tabs:
        t.join()

    assert results == [200] * 6, "every tab still signed in"
    with sites.accounts.app.app_context():
        issued = accounts_db.session.scalar(select(func.count(Token.id)))
        revoked = accounts_db.session.scalar(select(func.count(Token.id)).where(Token.revoked_at.is_not(None)))
    assert issued == 2, "the sign-in token and exactly one rotation"
    assert revoked == 0, "no reuse detected, so no family revoked"
    assert signed_in(browser, sites.acme.url)


def test_accounts_down_gives_a_clear_error_page(sites, alice):
    sites.accounts.stop()
    with sites.acme.app.app_context():
        provider().server_metadata.clear()  # as in a fresh process: discovery must be fetched

    response = requests.get(f"{sites.acme.url}/auth/sign-in", timeout=10)

    assert response.status_code == 503
    assert "cannot be reached" in response.text


def test_a_removed_membership_reaches_the_tenant_at_the_next_refresh(sites, alice, make_user):
    bob = make_user("bob@example.com", name="Bob")
    with sites.accounts.app.app_context():
        org_id = orgs.create_org(bob.id, "Initech", "initech", utcnow()).id
        orgs.set_membership(org_id, alice.id, Role.MEMBER)
        accounts_db.session.commit()
    browser = requests.Session()
    sign_in_at_tenant(browser, sites.acme.url, "alice@example.com", PASSWORD)
    assert "Initech" in browser.get(f"{sites.acme.url}/todos/").text

    with sites.accounts.app.app_context():
        orgs.remove_member(org_id, bob.id, alice.id)
        accounts_db.session.commit()
    expire_access_token(sites)

    page = browser.get(f"{sites.acme.url}/todos/").text
    assert "Signed in as <strong>Alice</strong>" in page
    assert "Initech" not in page, "SPEC §2.6: a removal reaches the tenant within the access-token lifetime"
