"""SPEC §2.2 step-up over real HTTP: "Delete all my todos" at Acme needs a second factor from the last
10 minutes; Acme sends the user through Accounts for it and trusts only the ID token that comes back."""

import html
import re
import time
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
import time_machine
from joserfc.jwk import KeySet, RSAKey
from sqlalchemy import select

from accounts.extensions import db
from accounts.oidc.grants import OpenIDCode
from accounts.oidc.models import AuthorizationCode
from accounts.orgs import services as orgs
from accounts.orgs.claims import orgs_claim
from accounts.orgs.rules import Role
from common.clock import utcnow
from common.server_session import hash_token
from tenants.extensions import db as tenants_db
from tenants.signin.models import TokenSet
from tenants.signin.stepup import MFA_ACR
from tenants.site.models import TenantSession
from tenants.todos import services as todos
from tenants.todos.models import Todo
from tenants.todos.scoping import viewer_from_claims
from tests.accounts.mfa.conftest import code_now, enrol
from tests.conftest import PASSWORD
from tests.live import form_token, sign_in_at_tenant

DELETE_MINE = "/todos/delete-mine"
FORM = re.compile(r'<form method="post" action="([^"]+)"[^>]*>(.*?)</form>', re.S)
HIDDEN = re.compile(r'<input[^>]*name="([^"]+)"[^>]*type="hidden"[^>]*value="([^"]*)"')


@pytest.fixture
def alice(make_user):
    return make_user("alice@example.com", name="Alice")


@pytest.fixture
def bob(make_user):
    return make_user("bob@example.com", name="Bob")


def post_form(browser: requests.Session, page: requests.Response, action: str | None = None, **fields):
    """Submit a form of a page as a browser would: its hidden fields plus what the user typed.

    The form is the first one posting to `action` (if given) that has every typed field.
    """
    for target, body in FORM.findall(page.text):
        target = html.unescape(target)
        if (action is None or urlsplit(target).path == action) and all(f'name="{f}"' in body for f in fields):
            hidden = {name: html.unescape(value) for name, value in HIDDEN.findall(body)}
            parts = urlsplit(page.url)
            return browser.post(f"{parts.scheme}://{parts.netloc}{target}", data={**hidden, **fields})
    raise AssertionError(f"no form for {action or sorted(fields)} on {page.url}")


def is_password_page(response) -> bool:
    return urlsplit(response.url).path == "/sign-in" and 'name="password"' in response.text


def is_code_page(response) -> bool:
    return urlsplit(response.url).path == "/sign-in/two-factor"


def give_both_factors(browser, page, email: str, secret: str) -> requests.Response:
    """At Accounts: the password (the sign-in page as /authorize linked it), then the code."""
    assert is_password_page(page), f"expected the Accounts sign-in page, got {page.url}"
    code_page = post_form(browser, page, email=email, password=PASSWORD)
    assert is_code_page(code_page), "Accounts asks for the code too"
    return post_form(browser, code_page, code=code_now(secret))


def sign_in_with_both_factors(browser, sites, email: str, secret: str) -> None:
    page = browser.get(f"{sites.acme.url}/auth/sign-in")
    landed = give_both_factors(browser, page, email, secret)
    assert landed.url == f"{sites.acme.url}/"


def claims_of(sites, browser) -> dict:
    """The ID-token claims Acme keeps in this browser's session."""
    cookie = browser.cookies.get(sites.acme.app.config["SESSION_COOKIE_NAME"])
    with sites.acme.app.app_context():
        row = tenants_db.session.get(TenantSession, hash_token(cookie))
        return dict(row.data.get("claims", {})) if row else {}


def add_todos(sites, sub: str, titles: list[str], org_id: str | None = None) -> str:
    """Todos by a user in an org (their personal space unless given) at Acme; returns the org id."""
    with sites.accounts.app.app_context():
        orgs = orgs_claim(int(sub))
    viewer = viewer_from_claims(sites.acme.app.config["TENANT"].issuer, sub, orgs)
    org_id = org_id or viewer.personal_space.org_id
    with sites.acme.app.app_context():
        for title in titles:
            todos.create_todo("acme", viewer, org_id, {"title": title, "visibility": "org"}, utcnow())
    return org_id


def todo_titles(sites) -> set[str]:
    with sites.acme.app.app_context():
        return set(tenants_db.session.scalars(select(Todo.title)))


def confirm_deletion(browser, page) -> requests.Response:
    assert page.url.endswith(DELETE_MINE) and "Delete all your todos" in page.text, page.url
    return post_form(browser, page, DELETE_MINE)


def test_a_password_only_session_is_sent_through_the_second_factor_and_comes_back_allowed(sites, alice):
    browser = requests.Session()
    sign_in_at_tenant(browser, sites.acme.url, "alice@example.com", PASSWORD)
    secret, _ = enrol(sites.accounts.app, alice.id)
    add_todos(sites, str(alice.id), ["water the plants", "file taxes"])
    sid = claims_of(sites, browser)["sid"]

    first = browser.get(f"{sites.acme.url}{DELETE_MINE}", allow_redirects=False)
    assert first.status_code == 303 and urlsplit(first.headers["Location"]).path == "/auth/step-up"
    authorize = browser.get(f"{sites.acme.url}{first.headers['Location']}", allow_redirects=False).headers["Location"]
    query = parse_qs(urlsplit(authorize).query)
    assert (query["acr_values"], query["max_age"]) == ([MFA_ACR], ["600"])

    page = give_both_factors(browser, browser.get(authorize), "alice@example.com", secret)
    done = confirm_deletion(browser, page)

    assert done.url == f"{sites.acme.url}/todos/"
    assert "Deleted 2 todos of yours." in html.unescape(done.text)
    assert todo_titles(sites) == set()
    claims = claims_of(sites, browser)
    assert (claims["acr"], claims["amr"], claims["sid"]) == (MFA_ACR, ["pwd", "otp"], sid)


def test_a_fresh_two_factor_sign_in_goes_straight_through(sites, alice):
    secret, _ = enrol(sites.accounts.app, alice.id)
    browser = requests.Session()
    sign_in_with_both_factors(browser, sites, "alice@example.com", secret)

    page = browser.get(f"{sites.acme.url}{DELETE_MINE}", allow_redirects=False)

    assert page.status_code == 200
    assert "You have no todos here." in page.text


def test_a_second_factor_older_than_ten_minutes_is_asked_for_again(sites, alice):
    secret, _ = enrol(sites.accounts.app, alice.id)
    add_todos(sites, str(alice.id), ["old plan"])
    browser = requests.Session()
    sign_in_with_both_factors(browser, sites, "alice@example.com", secret)
    sid = claims_of(sites, browser)["sid"]

    with time_machine.travel(time.time() + 601, tick=True):
        step_up = browser.get(f"{sites.acme.url}{DELETE_MINE}")
        # Accounts: auth_time is older than max_age=600, so a whole sign-in again, password and code.
        page = give_both_factors(browser, step_up, "alice@example.com", secret)
        confirm_deletion(browser, page)
        claims = claims_of(sites, browser)
        assert time.time() - claims["auth_time"] < 60

    assert todo_titles(sites) == set()
    assert claims["sid"] == sid


def test_a_user_without_two_factor_is_told_to_set_it_up(sites, alice):
    add_todos(sites, str(alice.id), ["keep me"])
    browser = requests.Session()
    sign_in_at_tenant(browser, sites.acme.url, "alice@example.com", PASSWORD)

    # Signed in a moment ago with a password: Accounts asks nothing and answers without acr.
    page = browser.get(f"{sites.acme.url}{DELETE_MINE}")

    assert page.status_code == 403
    assert urlsplit(page.url).path == "/auth/callback"
    text = html.unescape(page.text)
    assert "Two-factor authentication needed" in text and "set it up" in text
    assert f'href="{sites.accounts.url}/security"' in page.text
    assert f'href="{DELETE_MINE}"' in page.text, "a link to try again"
    assert todo_titles(sites) == {"keep me"}
    assert "Signed in as <strong>Alice</strong>" in browser.get(f"{sites.acme.url}/").text, "still signed in"


def another_key(self, client) -> KeySet:
    """A signing key that is not in the provider's JWKS."""
    return KeySet([RSAKey.generate_key(2048, parameters={"kid": "not-the-providers", "alg": "RS256"})])


@pytest.mark.parametrize(
    ("tamper", "status"),
    [
        pytest.param({"get_amr": lambda self: ["pwd"], "get_acr": lambda self: MFA_ACR}, 403, id="acr-without-otp"),
        pytest.param({"get_acr": lambda self: None}, 403, id="otp-without-acr"),
        pytest.param({"get_auth_time": lambda self: int(time.time()) - 3600}, 403, id="stale-auth-time"),
        pytest.param({"resolve_client_private_key": another_key}, 400, id="signed-by-another-key"),
    ],
)
def test_an_insufficient_or_forged_id_token_is_not_accepted_as_step_up(sites, alice, monkeypatch, tamper, status):
    browser = requests.Session()
    sign_in_at_tenant(browser, sites.acme.url, "alice@example.com", PASSWORD)
    secret, _ = enrol(sites.accounts.app, alice.id)
    add_todos(sites, str(alice.id), ["keep me"])
    # Accounts misbehaves from here on: the ID token it signs says less than the step-up asked for.
    for name, replacement in tamper.items():
        owner = OpenIDCode if name == "resolve_client_private_key" else AuthorizationCode
        monkeypatch.setattr(owner, name, replacement)

    landed = give_both_factors(browser, browser.get(f"{sites.acme.url}{DELETE_MINE}"), "alice@example.com", secret)

    assert landed.status_code == status
    assert urlsplit(landed.url).path == "/auth/callback"
    again = browser.get(f"{sites.acme.url}{DELETE_MINE}", allow_redirects=False)
    assert urlsplit(again.headers["Location"]).path == "/auth/step-up", "still not stepped up"
    assert todo_titles(sites) == {"keep me"}


def test_a_forged_callback_cannot_skip_the_step_up(sites, alice):
    browser = requests.Session()
    sign_in_at_tenant(browser, sites.acme.url, "alice@example.com", PASSWORD)
    # Parameters a user could add to the callback or the step-up URL count for nothing.
    browser.get(f"{sites.acme.url}/auth/callback", params={"acr": MFA_ACR, "amr": "otp"})
    browser.get(f"{sites.acme.url}/auth/step-up", params={"max_age": "999999999", "next": DELETE_MINE})

    again = browser.get(f"{sites.acme.url}{DELETE_MINE}", allow_redirects=False)

    assert urlsplit(again.headers["Location"]).path == "/auth/step-up"


def test_back_channel_logout_still_reaches_acme_after_a_step_up(sites, alice):
    browser = requests.Session()
    sign_in_at_tenant(browser, sites.acme.url, "alice@example.com", PASSWORD)
    secret, _ = enrol(sites.accounts.app, alice.id)
    sid = claims_of(sites, browser)["sid"]
    give_both_factors(browser, browser.get(f"{sites.acme.url}{DELETE_MINE}"), "alice@example.com", secret)
    assert claims_of(sites, browser)["sid"] == sid
    with sites.acme.app.app_context():
        assert {row.op_sid for row in tenants_db.session.scalars(select(TokenSet))} == {sid}, "old tokens dropped"

    home = browser.get(f"{sites.accounts.url}/")
    browser.post(f"{sites.accounts.url}/sign-out", data={"csrf_token": form_token(home.text)})

    assert "Signed in as <strong>Alice</strong>" not in browser.get(f"{sites.acme.url}/").text
    with sites.acme.app.app_context():
        assert tenants_db.session.scalars(select(TenantSession).where(TenantSession.op_sid == sid)).all() == []


def test_the_step_up_keeps_the_active_org(sites, alice, bob):
    with sites.accounts.app.app_context():
        team = str(orgs.create_org(bob.id, "Initech", "initech", utcnow()).id)
        orgs.set_membership(int(team), alice.id, Role.MEMBER)
        db.session.commit()
    add_todos(sites, str(alice.id), ["mine, shared", "mine too"], org_id=team)
    add_todos(sites, str(alice.id), ["mine, personal"])
    add_todos(sites, str(bob.id), ["bob's"], org_id=team)
    browser = requests.Session()
    sign_in_at_tenant(browser, sites.acme.url, "alice@example.com", PASSWORD)
    secret, _ = enrol(sites.accounts.app, alice.id)
    todos_page = browser.get(f"{sites.acme.url}/todos/")
    post_form(browser, todos_page, org_id=team)  # the header's org switcher

    page = give_both_factors(browser, browser.get(f"{sites.acme.url}{DELETE_MINE}"), "alice@example.com", secret)
    assert "Initech" in page.text and "the 2 todos you wrote here" in page.text
    confirm_deletion(browser, page)

    # Only Alice's todos in the active org went: Bob's stayed, and so did her personal space.
    assert todo_titles(sites) == {"bob's", "mine, personal"}


def test_another_user_signing_in_during_the_step_up_signs_the_first_one_out_of_acme(sites, alice, bob):
    browser = requests.Session()
    sign_in_at_tenant(browser, sites.acme.url, "alice@example.com", PASSWORD)
    enrol(sites.accounts.app, alice.id)

    page = browser.get(f"{sites.acme.url}{DELETE_MINE}")
    landed = post_form(browser, page, email="bob@example.com", password=PASSWORD)

    # Alice's Accounts session ended, and its back-channel logout ended her Acme session with the
    # sign-in in flight: Acme refuses the callback it no longer knows, and nobody is signed in.
    assert landed.status_code == 400 and "Please sign in again" in landed.text
    home = browser.get(f"{sites.acme.url}/").text
    assert "Signed in as" not in home


def test_another_user_coming_back_from_the_step_up_starts_a_fresh_session(sites, alice, bob, monkeypatch):
    # A provider that does not send back-channel logout: the tenant itself must end the old user's session.
    monkeypatch.setattr("accounts.oidc.backchannel.post_logout_token", lambda uri, token, timeout: 200)
    browser = requests.Session()
    sign_in_at_tenant(browser, sites.acme.url, "alice@example.com", PASSWORD)
    enrol(sites.accounts.app, alice.id)
    alice_tokens = claims_of(sites, browser)

    page = browser.get(f"{sites.acme.url}{DELETE_MINE}")
    # At the Accounts sign-in page, Bob (no 2FA) signs in instead of Alice.
    landed = post_form(browser, page, email="bob@example.com", password=PASSWORD)

    assert landed.status_code == 403, "Bob has no second factor"
    assert "Signed in as <strong>Bob</strong>" in browser.get(f"{sites.acme.url}/").text
    assert claims_of(sites, browser)["sid"] != alice_tokens["sid"]
    with sites.acme.app.app_context():
        subs = {row.sub for row in tenants_db.session.scalars(select(TokenSet))}
    assert subs == {str(bob.id)}, "Alice's tokens went with her session"


def test_the_inspector_shows_the_step_up(sites, alice):
    secret, _ = enrol(sites.accounts.app, alice.id)
    browser = requests.Session()
    sign_in_with_both_factors(browser, sites, "alice@example.com", secret)

    page = html.unescape(browser.get(f"{sites.acme.url}/inspector").text)

    assert MFA_ACR in page and '["pwd", "otp"]' in page and "<code>auth_time</code>" in page
    assert "sensitive pages are open for" in page
