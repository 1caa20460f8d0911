"""SPEC §1: Acme and Globex, unchanged, against an OpenID provider that is not Accounts nor written here.

The provider is panva's node-oidc-provider (OpenID Certified), run by node from
devtools/upstream_provider/ (`npm ci` there the first time; make run uses it too). It advertises only
`openid profile email offline_access`, refuses any other scope, sends no `orgs` claim, keeps profile
claims out of the ID token, and (OIDC Core §11) issues no refresh token without prompt=consent.
"""

import re
import secrets
import subprocess
import tempfile
from dataclasses import dataclass, replace
from datetime import timedelta
from urllib.parse import parse_qs, urljoin, urlsplit

import pytest
import requests
from sqlalchemy import select, update

import tenants
from common.clock import utcnow
from tenants.extensions import db as tenants_db
from tenants.signin.models import TokenSet
from tests.conftest import _clean
from tests.integration.upstream import installed, start_provider, through_provider
from tests.live import LiveServer, form_token, free_port, serve

LOGOUT_FORM = re.compile(r'<form[^>]*id="op.logoutForm"[^>]*>(.*?)</form>', re.S)
HIDDEN = re.compile(r'<input type="hidden" name="([^"]+)" value="([^"]*)"')


@dataclass
class Stranger:
    """The independent provider and the two tenants pointed at it."""

    issuer: str
    process: subprocess.Popen
    log: object  # the provider's stderr, kept in a temporary file
    acme: LiveServer
    globex: LiveServer


def _client(slug: str, url: str, secret: str) -> dict:
    return {
        "client_id": slug,
        "client_secret": secret,
        "redirect_uris": [f"{url}/auth/callback"],
        "post_logout_redirect_uris": [f"{url}/signed-out"],
        "backchannel_logout_uri": f"{url}/auth/backchannel-logout",
        "backchannel_logout_session_required": True,
        "grant_types": ["authorization_code", "refresh_token"],
        "response_types": ["code"],
    }


def start_stranger(monkeypatch, **provider_env) -> Stranger:
    """node-oidc-provider on a free port, Acme and Globex registered there and served against it."""
    installed()
    ports = [free_port("127.0.0.1") for _ in range(3)]
    issuer, urls = f"http://127.0.0.1:{ports[0]}", [f"http://127.0.0.1:{p}" for p in ports[1:]]
    secrets_by_slug = {slug: secrets.token_urlsafe(24) for slug in ("acme", "globex")}
    clients = [_client(slug, url, secrets_by_slug[slug]) for slug, url in zip(("acme", "globex"), urls, strict=True)]
    log = tempfile.TemporaryFile("w+")  # noqa: SIM115 (outlives this function: closed by stop_stranger)
    process = start_provider(ports[0], clients, log, **provider_env)
    live = []
    try:
        for slug, port, url in zip(("acme", "globex"), ports[1:], urls, strict=True):
            prefix = slug.upper()
            monkeypatch.setenv(f"{prefix}_URL", url)
            monkeypatch.setenv(f"{prefix}_ISSUER", issuer)
            monkeypatch.setenv(f"{prefix}_CLIENT_SECRET", secrets_by_slug[slug])
            app = tenants.create_app(slug, {"TESTING": True})
            with app.app_context():
                tenants_db.create_all()
            live.append(serve(app, "127.0.0.1", port))
    except BaseException:
        # A port taken meanwhile (shared machine): no node process or site may outlive the failed set-up.
        for site in live:
            site.stop()
        process.terminate()
        process.communicate(timeout=10)
        log.close()
        raise
    return Stranger(issuer, process, log, *live)


def stop_stranger(running: Stranger) -> None:
    for site in (running.acme, running.globex):
        site.stop()
        with site.app.app_context():
            tenants_db.session.remove()
            _clean(tenants_db)
            tenants_db.engine.dispose()
    running.process.terminate()
    running.process.communicate(timeout=10)
    running.log.close()


@pytest.fixture
def stranger(monkeypatch):
    """The tenants against node-oidc-provider as OIDC Core §11 has it: no refresh token without prompt=consent."""
    running = start_stranger(monkeypatch)
    yield running
    stop_stranger(running)


@pytest.fixture
def stranger_with_refresh(monkeypatch):
    """The same provider issuing refresh tokens on every code exchange."""
    running = start_stranger(monkeypatch, REFRESH_TOKENS="always")
    yield running
    stop_stranger(running)


def sign_in(browser: requests.Session, site: LiveServer, issuer: str, next: str = "/"):
    """Press "Sign in" at a tenant and go through the provider's login and consent; the last response."""
    response = browser.get(f"{site.url}/auth/sign-in", params={"next": next})
    return through_provider(browser, response, issuer)


def signed_in_as(browser: requests.Session, site: LiveServer) -> str | None:
    page = browser.get(f"{site.url}/", allow_redirects=False).text
    match = re.search(r"Signed in as <strong>([^<]*)</strong>", page)
    return match.group(1) if match else None


def authorize_scope(site: LiveServer) -> str:
    """The scope of the authorization request the tenant's "Sign in" sends the browser with."""
    location = requests.get(f"{site.url}/auth/sign-in", allow_redirects=False, timeout=10).headers["Location"]
    return parse_qs(urlsplit(location).query)["scope"][0]


def token_set(site: LiveServer) -> TokenSet:
    with site.app.app_context():
        row = tenants_db.session.scalar(select(TokenSet))
        tenants_db.session.expunge_all()
        return row


def expire_access_token(site: LiveServer) -> None:
    with site.app.app_context():
        tenants_db.session.execute(update(TokenSet).values(access_expires_at=utcnow() + timedelta(seconds=5)))
        tenants_db.session.commit()


def test_sign_in_asks_only_for_advertised_scopes_and_reads_the_name_from_userinfo(stranger):
    browser = requests.Session()

    landed = sign_in(browser, stranger.acme, stranger.issuer)

    assert landed.url == f"{stranger.acme.url}/"
    assert authorize_scope(stranger.acme) == "openid profile email offline_access"
    assert signed_in_as(browser, stranger.acme) == "Robin robin", "name from userinfo, not in the ID token"
    assert token_set(stranger.acme).iss == stranger.issuer


def test_every_user_gets_a_personal_space_without_an_orgs_claim(stranger):
    browser = requests.Session()
    sign_in(browser, stranger.acme, stranger.issuer)

    form = browser.get(f"{stranger.acme.url}/todos/new")
    created = browser.post(
        f"{stranger.acme.url}/todos/new", data={"csrf_token": form_token(form.text), "title": "Water the plants"}
    )

    assert created.url == f"{stranger.acme.url}/todos/"
    assert "Personal" in created.text and "Water the plants" in created.text


def test_an_expiring_sign_in_without_refresh_token_is_renewed_silently(stranger):
    browser = requests.Session()
    sign_in(browser, stranger.acme, stranger.issuer)
    before = token_set(stranger.acme)
    assert before.refresh_token is None, "OIDC Core §11: offline_access needs prompt=consent"
    expire_access_token(stranger.acme)

    page = browser.get(f"{stranger.acme.url}/todos/?status=open")

    assert page.url == f"{stranger.acme.url}/todos/?status=open"
    assert any("prompt=none" in hop.headers.get("Location", "") for hop in page.history)
    assert token_set(stranger.acme).access_token != before.access_token
    assert signed_in_as(browser, stranger.acme) == "Robin robin"


def test_a_post_after_expiry_is_offered_again_after_the_silent_renewal(stranger):
    browser = requests.Session()
    sign_in(browser, stranger.acme, stranger.issuer)
    token = form_token(browser.get(f"{stranger.acme.url}/todos/new").text)
    expire_access_token(stranger.acme)

    resumed = browser.post(f"{stranger.acme.url}/todos/new", data={"csrf_token": token, "title": "Call the plumber"})

    assert resumed.url == f"{stranger.acme.url}/auth/resume"
    fields = dict(HIDDEN.findall(resumed.text)) | {"csrf_token": form_token(resumed.text)}
    sent = browser.post(f"{stranger.acme.url}/todos/new", data=fields)
    assert "Call the plumber" in sent.text


def test_refresh_after_access_token_expiry(stranger_with_refresh):
    site, issuer = stranger_with_refresh.acme, stranger_with_refresh.issuer
    browser = requests.Session()
    sign_in(browser, site, issuer)
    before = token_set(site)
    assert before.refresh_token
    expire_access_token(site)

    assert signed_in_as(browser, site) == "Robin robin"

    after = token_set(site)
    assert after.access_token != before.access_token, "refreshed, not re-authenticated"
    assert after.refresh_token


def test_rp_initiated_sign_out_and_back_channel_logout_of_the_other_tenant(stranger):
    browser = requests.Session()
    sign_in(browser, stranger.acme, stranger.issuer)
    sign_in(browser, stranger.globex, stranger.issuer)
    assert signed_in_as(browser, stranger.globex) == "Robin robin"

    home = browser.get(f"{stranger.acme.url}/")
    confirm = browser.post(f"{stranger.acme.url}/auth/sign-out", data={"csrf_token": form_token(home.text)})
    assert confirm.url.startswith(f"{stranger.issuer}/session/end")
    logout = LOGOUT_FORM.search(confirm.text)
    action = re.search(r'action="([^"]+)"', confirm.text[: logout.end()]).group(1)
    done = browser.post(urljoin(confirm.url, action), data=dict(HIDDEN.findall(logout.group(1))) | {"logout": "yes"})

    assert done.url == f"{stranger.acme.url}/signed-out"
    assert signed_in_as(browser, stranger.acme) is None
    assert signed_in_as(browser, stranger.globex) is None, "Globex heard of it by back-channel logout"


def test_a_scope_the_provider_refuses_fails_sign_in_but_never_the_silent_check(stranger):
    site = stranger.acme
    site.app.config["TENANT"] = replace(site.app.config["TENANT"], scopes=("openid", "orgs"), silent_sso=True)
    browser = requests.Session()

    first_view = browser.get(f"{site.url}/")
    assert first_view.status_code == 200 and first_view.url == f"{site.url}/", "anonymous, no error page"
    assert any("prompt=none" in hop.headers.get("Location", "") for hop in first_view.history)

    refused = browser.get(f"{site.url}/auth/sign-in")
    assert refused.status_code == 400 and "Sign-in failed" in refused.text
