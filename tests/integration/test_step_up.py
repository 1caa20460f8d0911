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
from accounts.oidc.models import CodeRules
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


def post_form(
    browser: requests.Session, page: requests.Response, action: str | None = None, extra: dict | None = None, **fields
):
    """Submit a form of a page as a browser would: its hidden fields plus what the user typed.

    The form is the first one posting to `action` (if given) that has every typed field; `extra`
    fields are sent along although the form has none (a forged post).
    """
    for target, body in FORM.findall(page.text):
        target = html.unescape(target)
        if (action is None or urlsplit(target).path == action) and all(f'name="{f}"' in body for f in fields):
            hidden = {name: html.unescape(value) for name, value in HIDDEN.findall(body)}
            parts = urlsplit(page.url)
            data = {**hidden, **fields, **(extra or {})}
            return browser.post(f"{parts.scheme}://{parts.netloc}{target}", data=data)
    raise AssertionError(f"no form for {action or sorted(fields)} on {page.url}")


def is_password_page(response) -> bool:
    return urlsplit(response.url).path == "/sign-in" and 'name="password"' in response.text


def is_code_page(response) -> bool:
    return urlsplit(response.url).path == "/sign-in/two-factor"


def give_password(browser, page, email: str, password: str = PASSWORD) -> requests.Response:
    """At Accounts: the sign-in page's email and password, or only the password on "Confirm it's you"."""
    if 'name="email"' in page.text:
        return post_form(browser, page, email=email, password=password)
    assert "Confirm it’s you" in page.text and f"{email}</strong>" in page.text, "the account is fixed"
    return post_form(browser, page, password=password)


def give_both_factors(browser, page, email: str, secret: str) -> requests.Response:
    """At Accounts: the password (the sign-in page as /authorize linked it), then the code."""
    assert is_password_page(page), f"expected the Accounts sign-in page, got {page.url}"
    code_page = give_password(browser, page, email)
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
    # A clean URL after the callback (303): a reload shows the same page, not a spent code's 400.
    assert urlsplit(page.url).path == "/auth/second-factor-needed" and not urlsplit(page.url).query
    assert page.history[-1].status_code == 303 and urlsplit(page.history[-1].url).path == "/auth/callback"
    reloaded = browser.get(page.url)
    assert (reloaded.status_code, reloaded.text) == (403, page.text)
    text = html.unescape(page.text)
    assert "Two-factor authentication needed" in text and "To set it up" in text
    assert f'href="{sites.accounts.url}/security"' in page.text
    try_again = "/auth/step-up?next=/todos/delete-mine&amp;max_age=600"
    assert f'href="{try_again}"' in page.text, "a link to try again"
    assert todo_titles(sites) == {"keep me"}
    assert "Signed in as <strong>Alice</strong>" in browser.get(f"{sites.acme.url}/").text, "still signed in"

    # Asked again, Acme explains at once instead of sending Alice round a step-up she cannot pass.
    again = browser.get(f"{sites.acme.url}{DELETE_MINE}", allow_redirects=False)
    assert again.status_code == 403
    assert "Deleting all your todos needs two-factor authentication" in html.unescape(again.text)
    assert f'href="{sites.accounts.url}/security"' in again.text and f'href="{try_again}"' in again.text
    assert "Delete 1 todo" not in again.text, "no deletion offered"


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
        owner = OpenIDCode if name == "resolve_client_private_key" else CodeRules
        monkeypatch.setattr(owner, name, replacement)

    landed = give_both_factors(browser, browser.get(f"{sites.acme.url}{DELETE_MINE}"), "alice@example.com", secret)

    assert landed.status_code == status
    # A valid sign-in short of the step-up lands on a clean URL; a forged one is refused at the callback.
    assert urlsplit(landed.url).path == ("/auth/second-factor-needed" if status == 403 else "/auth/callback")
    again = browser.get(f"{sites.acme.url}{DELETE_MINE}", allow_redirects=False)
    if status == 403:
        assert again.status_code == 403 and "needs two-factor authentication" in again.text, "still not stepped up"
    else:
        assert urlsplit(again.headers["Location"]).path == "/auth/step-up", "still not stepped up"
    assert "Delete 1 todo" not in again.text
    assert todo_titles(sites) == {"keep me"}


def test_a_forged_callback_cannot_skip_the_step_up(sites, alice):
    browser = requests.Session()
    sign_in_at_tenant(browser, sites.acme.url, "alice@example.com", PASSWORD)
    # Parameters a user could add to the callback or the step-up URL count for nothing.
    browser.get(f"{sites.acme.url}/auth/callback", params={"acr": MFA_ACR, "amr": "otp"})
    browser.get(f"{sites.acme.url}/auth/step-up", params={"max_age": "999999999", "next": DELETE_MINE})

    again = browser.get(f"{sites.acme.url}{DELETE_MINE}", allow_redirects=False)

    # The step-up ran for real (password only, so no acr): Acme now explains, and still offers no deletion.
    assert again.status_code == 403 and "needs two-factor authentication" in again.text
    assert "Delete 1 todo" not in again.text


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


def test_the_confirm_screen_of_the_step_up_refuses_another_account(sites, alice, bob):
    browser = requests.Session()
    sign_in_at_tenant(browser, sites.acme.url, "alice@example.com", PASSWORD)
    enrol(sites.accounts.app, alice.id)

    page = browser.get(f"{sites.acme.url}{DELETE_MINE}")
    assert "Confirm it’s you" in page.text and 'name="email"' not in page.text
    # A form posted with Bob's address and password: this screen confirms Alice only.
    landed = post_form(browser, page, password=PASSWORD, extra={"email": "bob@example.com"})

    assert urlsplit(landed.url).path == "/sign-in" and "Confirm it’s you" in landed.text
    assert "This confirms alice@example.com only" in html.unescape(landed.text)
    assert "Hello, Alice" in browser.get(f"{sites.accounts.url}/").text
    assert "Signed in as <strong>Alice</strong>" in browser.get(f"{sites.acme.url}/").text


def test_another_user_coming_back_from_the_step_up_starts_a_fresh_session(sites, alice, bob, monkeypatch):
    # A provider that does not send back-channel logout: the tenant itself must end the old user's session.
    monkeypatch.setattr("accounts.oidc.backchannel.post_logout_token", lambda uri, token, timeout: 200)
    browser = requests.Session()
    sign_in_at_tenant(browser, sites.acme.url, "alice@example.com", PASSWORD)
    enrol(sites.accounts.app, alice.id)
    alice_tokens = claims_of(sites, browser)
    # At Accounts' own sign-in page (no app waiting), Bob (no 2FA) signs in instead of Alice.
    post_form(browser, browser.get(f"{sites.accounts.url}/sign-in"), email="bob@example.com", password=PASSWORD)

    landed = browser.get(f"{sites.acme.url}{DELETE_MINE}")

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
