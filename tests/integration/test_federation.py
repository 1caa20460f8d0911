"""Issue 16: sign in at Accounts with an upstream provider that is not Accounts nor written here.

The upstream is panva's node-oidc-provider (devtools/upstream_provider/), started once for the module
with a few accounts whose address and email_verified the tests choose (ACCOUNTS); Accounts runs over
real HTTP with a provider file for it in a temporary folder. Links are by (iss, sub), never by email
alone: a trusted, verified address that names an account is linked only after its password.
"""

import json
import secrets
import tempfile
from dataclasses import dataclass
from urllib.parse import parse_qs, urlencode, urljoin, urlsplit, urlunsplit

import pytest
import requests
from authlib.integrations.flask_client.integration import FlaskIntegration
from sqlalchemy import select

import accounts
from accounts.extensions import db, limiter
from accounts.federation.models import FederatedIdentity
from accounts.identity.models import User
from devtools.upstream import accounts_as_client
from tests.accounts.mfa.conftest import code_now, enrol, events, user_id
from tests.conftest import PASSWORD, _clean, accounts_overrides, link_in
from tests.integration.upstream import (
    FORM_ACTION,
    installed,
    start_provider,
    through_provider,
    write_provider_file,
)
from tests.live import form_token, free_port, serve

SLUG = "node"
# The provider's accounts by login; every other login is "Robin <login>" at <login>@node-oidc.example, verified.
UPSTREAM_ACCOUNTS = {
    "alice": {"email": "alice@example.com", "email_verified": True, "name": "Alice Upstream"},
    "mallory": {"email": "alice@example.com", "email_verified": False, "name": "Mallory"},
    "bob": {"email": "bob@example.com", "email_verified": True, "name": "Bob Upstream"},
    "quiet": {"email": None, "email_verified": False, "name": "No Mail"},
}


@dataclass
class Upstream:
    issuer: str
    accounts_url: str
    folder: str


@pytest.fixture(scope="module")
def upstream():
    """node-oidc-provider with Accounts registered as its client (redirect URI on a port kept for the module)."""
    installed()
    provider_port, accounts_port = free_port("127.0.0.1"), free_port("127.0.0.1")
    issuer, accounts_url = f"http://127.0.0.1:{provider_port}", f"http://127.0.0.1:{accounts_port}"
    secret = secrets.token_urlsafe(24)
    client = accounts_as_client(accounts_url, SLUG, secret)
    with tempfile.TemporaryDirectory() as folder, tempfile.TemporaryFile("w+") as log:
        write_provider_file(folder, SLUG, issuer, secret)
        process = start_provider(provider_port, [client], log, ACCOUNTS=json.dumps(UPSTREAM_ACCOUNTS))
        yield Upstream(issuer, accounts_url, folder)
        process.terminate()
        process.communicate(timeout=10)


@pytest.fixture
def accounts_app(upstream):
    """Accounts with the node provider's file (overrides the suite's accounts_app, so make_user uses it)."""
    app = accounts.create_app(
        {**accounts_overrides(), "FEDERATION_UPSTREAMS_DIR": upstream.folder, "SITE_URL": upstream.accounts_url}
    )
    with app.app_context():
        db.create_all()
        _clean(db)
    yield app
    with app.app_context():
        limiter.reset()
        db.session.remove()
        _clean(db)
        db.engine.dispose()


@pytest.fixture
def live(accounts_app, upstream):
    port = urlsplit(upstream.accounts_url).port
    server = serve(accounts_app, "127.0.0.1", port)
    yield server
    server.stop()


def continue_with(browser: requests.Session, live, upstream, login: str, next: str = "/"):
    """Press "Continue with Node Provider" and sign in there as login; the last response."""
    response = browser.get(f"{live.url}/sign-in/with/{SLUG}", params={"next": next})
    return through_provider(browser, response, upstream.issuer, login)


def callback_url(browser: requests.Session, live, upstream, login: str) -> str:
    """Go through the provider as login, but stop at the redirect back to Accounts: the callback URL."""
    response = browser.get(f"{live.url}/sign-in/with/{SLUG}", allow_redirects=False)
    for _ in range(12):
        location = response.headers.get("Location")
        if location:
            target = urljoin(response.url, location)
            if target.startswith(f"{live.url}/sign-in/with/{SLUG}/callback"):
                return target
            response = browser.get(target, allow_redirects=False)
            continue
        action = FORM_ACTION.search(response.text).group(1)
        prompt = "login" if 'name="login"' in response.text else "consent"
        data = {"prompt": prompt, "login": login, "password": "any"} if prompt == "login" else {"prompt": prompt}
        response = browser.post(urljoin(response.url, action), data=data, allow_redirects=False)
    raise AssertionError("never sent back to Accounts")


def with_query(url: str, **changes) -> str:
    parts = urlsplit(url)
    query = {k: v[0] for k, v in parse_qs(parts.query).items()} | changes
    return urlunsplit(parts._replace(query=urlencode({k: v for k, v in query.items() if v is not None})))


def signed_in_name(browser: requests.Session, live) -> str | None:
    page = browser.get(f"{live.url}/").text
    start = page.find("<h1>Hello, ")
    return page[start + len("<h1>Hello, ") : page.index("</h1>", start)] if start >= 0 else None


def sign_out(browser: requests.Session, live) -> None:
    home = browser.get(f"{live.url}/")
    browser.post(f"{live.url}/sign-out", data={"csrf_token": form_token(home.text)})


def identities(app) -> list[tuple[int, str, str]]:
    with app.app_context():
        return [(i.user_id, i.iss, i.sub) for i in db.session.scalars(select(FederatedIdentity))]


def user_named(app, email: str) -> User | None:
    with app.app_context():
        user = db.session.scalar(select(User).where(User.email == email))
        if user is not None:
            db.session.expunge(user)
        return user


def prove(browser: requests.Session, page, password: str = PASSWORD):
    """Answer the "Link your account" page with a password."""
    assert page.url == f"{page.url.split('/sign-in/')[0]}/sign-in/link-account", page.url
    return browser.post(page.url, data={"csrf_token": form_token(page.text), "password": password})


def test_a_first_sign_in_creates_an_account_with_the_verified_address_and_no_password(accounts_app, live, upstream):
    browser = requests.Session()

    landed = continue_with(browser, live, upstream, "robin")

    assert landed.url == f"{live.url}/"
    assert signed_in_name(browser, live) == "Robin robin"
    user = user_named(accounts_app, "robin@node-oidc.example")
    assert user.email_verified_at is not None, "the provider is trusted for email_verified and said so"
    assert not user.has_password
    assert identities(accounts_app) == [(user.id, upstream.issuer, "robin")]
    assert [e.details["amr"] for e in events(accounts_app, "signin.succeeded")] == [["fed"]]
    assert len(events(accounts_app, "federation.account_created")) == 1


def test_signing_in_again_finds_the_same_account_by_iss_and_sub(accounts_app, live, upstream):
    browser = requests.Session()
    continue_with(browser, live, upstream, "robin")
    sign_out(browser, live)

    again = continue_with(browser, live, upstream, "robin")

    assert again.url == f"{live.url}/" and signed_in_name(browser, live) == "Robin robin"
    with accounts_app.app_context():
        assert len(db.session.scalars(select(User)).all()) == 1
    assert len(identities(accounts_app)) == 1
    assert len(events(accounts_app, "federation.signed_in")) == 2


def test_an_existing_account_is_linked_only_after_its_password(accounts_app, live, upstream, make_user):
    alice = make_user("alice@example.com", name="Alice")
    browser = requests.Session()

    asked = continue_with(browser, live, upstream, "alice")
    assert "Link your account" in asked.text and identities(accounts_app) == [], "nothing linked before the proof"
    wrong = prove(browser, asked, "not her password")
    assert "not the password" in wrong.text and identities(accounts_app) == []

    landed = prove(browser, wrong)

    assert landed.url == f"{live.url}/" and signed_in_name(browser, live) == "Alice"
    assert identities(accounts_app) == [(alice.id, upstream.issuer, "alice")]
    assert events(accounts_app, "signin.succeeded")[-1].details["amr"] == ["pwd", "fed"]
    sign_out(browser, live)
    assert continue_with(browser, live, upstream, "alice").url == f"{live.url}/", "linked: no password next time"


def test_an_unverified_upstream_address_never_merges(accounts_app, live, upstream, make_user):
    make_user("alice@example.com", name="Alice")
    browser = requests.Session()

    refused = continue_with(browser, live, upstream, "mallory")

    assert refused.status_code == 409
    assert "did not confirm" in refused.text
    assert identities(accounts_app) == [] and signed_in_name(browser, live) is None
    assert events(accounts_app, "federation.signin_failed")[-1].details["why"] == "unverified-email"


def test_no_address_at_the_provider_gets_no_account(accounts_app, live, upstream):
    refused = continue_with(requests.Session(), live, upstream, "quiet")

    assert refused.status_code == 400 and "did not share an email address" in refused.text
    assert identities(accounts_app) == []


def test_two_factor_is_still_asked_after_an_upstream_sign_in(accounts_app, live, upstream, make_user):
    make_user("bob@example.com", name="Bob")
    secret, _ = enrol(accounts_app, user_id(accounts_app, "bob@example.com"))
    browser = requests.Session()
    linked = prove(browser, continue_with(browser, live, upstream, "bob"))
    assert linked.url == f"{live.url}/sign-in/two-factor"
    browser.post(linked.url, data={"csrf_token": form_token(linked.text), "code": code_now(secret)})
    sign_out(browser, live)

    again = continue_with(browser, live, upstream, "bob")

    assert again.url == f"{live.url}/sign-in/two-factor", "an upstream sign-in is one factor"
    done = browser.post(again.url, data={"csrf_token": form_token(again.text), "code": code_now(secret, 1)})
    assert done.url == f"{live.url}/" and signed_in_name(browser, live) == "Bob"
    assert events(accounts_app, "signin.succeeded")[-1].details["amr"] == ["fed", "otp"]


@pytest.mark.parametrize(
    ("change", "why"),
    [
        ({"state": "forged-state"}, "state"),
        ({"state": None}, "state-missing"),
        ({"iss": "https://evil.example"}, "iss-mismatch"),
        ({"iss": None}, "iss-missing"),
        ({"code": "forged-code"}, "OAuthError"),
    ],
)
def test_a_tampered_callback_is_refused_with_a_4xx(accounts_app, live, upstream, change, why):
    browser = requests.Session()
    callback = callback_url(browser, live, upstream, "robin")

    refused = browser.get(with_query(callback, **change))

    assert refused.status_code == 400 and "Sign-in failed" in refused.text
    assert identities(accounts_app) == [] and signed_in_name(browser, live) is None
    assert events(accounts_app, "federation.signin_failed")[-1].details["why"] == why


def test_an_id_token_with_another_nonce_is_refused(accounts_app, live, upstream, monkeypatch):
    browser = requests.Session()
    callback = callback_url(browser, live, upstream, "robin")
    kept = FlaskIntegration.get_state_data
    # The nonce this browser's session expects is not the one the provider put in the ID token.
    monkeypatch.setattr(
        FlaskIntegration, "get_state_data", lambda self, s, st: {**(kept(self, s, st) or {}), "nonce": "x"}
    )

    refused = browser.get(callback)

    assert refused.status_code == 400 and identities(accounts_app) == []


def test_an_error_from_the_provider_and_an_unknown_provider_answer_4xx(accounts_app, live, upstream):
    browser = requests.Session()
    callback = callback_url(browser, live, upstream, "robin")

    denied = browser.get(with_query(callback, code=None, error="access_denied"))
    unknown = browser.get(f"{live.url}/sign-in/with/nobody")

    assert denied.status_code == 403 and "did not sign you in" in denied.text
    assert unknown.status_code == 404


def test_linking_from_the_security_page_needs_the_password(accounts_app, live, upstream, make_user):
    carol = make_user("carol@example.com", name="Carol")
    browser = requests.Session()
    form = browser.get(f"{live.url}/sign-in")
    browser.post(
        f"{live.url}/sign-in",
        data={"csrf_token": form_token(form.text), "email": "carol@example.com", "password": PASSWORD},
    )
    page = browser.get(f"{live.url}/security/sign-in-providers/{SLUG}/link")
    wrong = browser.post(page.url, data={"csrf_token": form_token(page.text), "password": "wrong"})
    assert "not correct" in wrong.text

    sent = browser.post(page.url, data={"csrf_token": form_token(wrong.text), "password": PASSWORD})
    landed = through_provider(browser, sent, upstream.issuer, "carol-elsewhere")

    assert landed.url == f"{live.url}/security#sign-in-providers" or landed.url.startswith(f"{live.url}/security")
    assert "Node Provider is linked" in landed.text
    assert identities(accounts_app) == [(carol.id, upstream.issuer, "carol-elsewhere")]
    sign_out(browser, live)
    continue_with(browser, live, upstream, "carol-elsewhere")
    assert signed_in_name(browser, live) == "Carol"


def unlink_button(browser, live) -> tuple[str, str]:
    page = browser.get(f"{live.url}/security")
    start = page.text.index('id="sign-in-providers"')
    action = FORM_ACTION.search(page.text, start).group(1)
    return urljoin(page.url, action), form_token(page.text[start:])


def test_the_last_way_to_sign_in_cannot_be_unlinked(accounts_app, live, upstream):
    browser = requests.Session()
    continue_with(browser, live, upstream, "robin")
    action, token = unlink_button(browser, live)

    refused = browser.post(action, data={"csrf_token": token})

    assert "only way to sign in" in refused.text
    assert len(identities(accounts_app)) == 1


def test_an_account_with_a_password_can_unlink(accounts_app, live, upstream, make_user):
    make_user("alice@example.com", name="Alice")
    browser = requests.Session()
    prove(browser, continue_with(browser, live, upstream, "alice"))
    action, token = unlink_button(browser, live)

    done = browser.post(action, data={"csrf_token": token})

    assert "no longer linked" in done.text and identities(accounts_app) == []
    assert len(events(accounts_app, "federation.unlinked")) == 1
    sign_out(browser, live)
    assert "Link your account" in continue_with(browser, live, upstream, "alice").text, "asks the proof again"


def test_a_mailed_link_proves_the_account_instead_of_the_password(accounts_app, live, upstream, make_user, outbox):
    alice = make_user("alice@example.com", name="Alice")
    browser = requests.Session()
    asked = continue_with(browser, live, upstream, "alice")
    mail_form = asked.text.index("/sign-in/link-account/mail")
    browser.post(f"{live.url}/sign-in/link-account/mail", data={"csrf_token": form_token(asked.text[mail_form:])})
    link = link_in(outbox("alice@example.com")[-1], "/sign-in/link-account/confirm/")

    scanned = requests.get(f"{live.url}{link}", timeout=10)  # a mail scanner, or any other browser
    shown = browser.get(f"{live.url}{link}")
    assert scanned.status_code == 400 and identities(accounts_app) == []
    assert "Link and sign in" in shown.text and identities(accounts_app) == [], "a GET links nothing"

    landed = browser.post(f"{live.url}{link}", data={"csrf_token": form_token(shown.text)})

    assert landed.url == f"{live.url}/" and signed_in_name(browser, live) == "Alice"
    assert identities(accounts_app) == [(alice.id, upstream.issuer, "alice")]
    assert browser.post(f"{live.url}{link}", data={"csrf_token": form_token(shown.text)}).status_code == 400
