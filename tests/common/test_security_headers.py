"""SPEC §1, issue 2: security headers and cookie attributes on every site; production settings are strict."""

import re

import pytest

import accounts
import tenants
from accounts.extensions import db as accounts_db
from common.security_headers import CONTENT_SECURITY_POLICY
from common.settings import ConfigError
from common.templating import TEMPLATE_FOLDER
from tenants.extensions import db as tenants_db
from tests.common.conftest import add_test_pages

PAGES = ["/", "/static/gatehouse.css", "/no/such/page", "/_test/crash"]
STRONG_SECRET = "kM3q9ZxT7vLw2RbN8yHc4JfPd6GsEa1Uo5Ki0WnVrQ"


def directives(response) -> dict[str, str]:
    policy = response.headers["Content-Security-Policy"]
    return {part.split()[0]: part.strip() for part in policy.split(";") if part.strip()}


@pytest.mark.parametrize("path", PAGES)
def test_every_response_carries_the_security_headers(site, path):
    response = site.test_client().get(path)
    response.close()  # a static file is streamed from disk
    policy = directives(response)
    assert "'unsafe-inline'" not in response.headers["Content-Security-Policy"]
    assert "'unsafe-eval'" not in response.headers["Content-Security-Policy"]
    assert policy["script-src"] == "script-src 'self'"
    assert policy["style-src"] == "style-src 'self'"
    assert policy["frame-ancestors"] == "frame-ancestors 'none'"
    assert policy["object-src"] == "object-src 'none'"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["Referrer-Policy"] == "strict-origin-when-cross-origin"
    assert "Strict-Transport-Security" not in response.headers  # plain HTTP in development and tests


def test_no_template_needs_inline_script_or_style():
    # The CSP would block them; a template that relies on one is broken in every browser.
    from pathlib import Path

    for template in Path(TEMPLATE_FOLDER).rglob("*.html"):
        html = template.read_text()
        assert not re.search(r"<script(?![^>]*\bsrc=)", html), f"inline <script> in {template}"
        assert "<style" not in html and " style=" not in html, f"inline style in {template}"
        assert not re.search(r"\son\w+=", html), f"inline event handler in {template}"


def set_cookie_header(app) -> str:
    client = app.test_client()
    response = client.get("/_test/session", base_url="https://localhost")
    [header] = response.headers.getlist("Set-Cookie")
    return header


def test_session_cookies_are_host_only_httponly_and_samesite_lax(site):
    header = set_cookie_header(site)
    attributes = [part.strip().lower() for part in header.split(";")[1:]]
    assert "httponly" in attributes
    assert "samesite=lax" in attributes
    assert "path=/" in attributes
    assert not any(a.startswith("domain") for a in attributes)  # host-only: no other host ever receives it
    assert "secure" not in attributes  # development serves plain HTTP
    assert header.startswith(site.config["SESSION_COOKIE_NAME"] + "=")


def test_each_site_has_its_own_cookie_name(accounts_app, acme_app, globex_app):
    names = {app.config["SESSION_COOKIE_NAME"] for app in (accounts_app, acme_app, globex_app)}
    assert names == {"gatehouse_accounts", "gatehouse_acme", "gatehouse_globex"}


@pytest.fixture
def production(monkeypatch):
    """Production settings: a strong secret per site and an SMTP server."""
    monkeypatch.setenv("GATEHOUSE_ENV", "production")
    monkeypatch.setenv("SMTP_HOST", "smtp.example.test")
    for site in ("ACCOUNTS", "ACME", "GLOBEX"):
        monkeypatch.setenv(f"{site}_SECRET_KEY", STRONG_SECRET + site)
    return monkeypatch


@pytest.fixture
def close_afterwards():
    """Close the database connections of apps a test builds itself: close_afterwards(app, db) -> app."""
    opened = []
    yield lambda app, db: opened.append((app, db)) or app
    for app, db in opened:
        with app.app_context():
            db.engine.dispose()


@pytest.mark.parametrize(
    ("build", "db"),
    [(accounts.create_app, accounts_db), (lambda: tenants.create_app("acme"), tenants_db)],
    ids=["accounts", "acme"],
)
def test_production_cookies_are_secure_with_the_host_prefix(
    accounts_app, acme_app, production, close_afterwards, build, db
):
    app = close_afterwards(build(), db)
    add_test_pages(app)
    name = app.config["SESSION_COOKIE_NAME"]
    assert name.startswith("__Host-gatehouse_")
    header = set_cookie_header(app)
    attributes = [part.strip().lower() for part in header.split(";")[1:]]
    assert header.startswith(name + "=")
    # __Host- makes the browser insist on Secure, Path=/ and no Domain (RFC 6265bis §4.1.3.2).
    assert {"secure", "httponly", "samesite=lax", "path=/"} <= set(attributes)
    assert not any(a.startswith("domain") for a in attributes)
    response = app.test_client().get("/", base_url="https://localhost")
    assert response.headers["Strict-Transport-Security"].startswith("max-age=")
    assert response.headers["Content-Security-Policy"] == CONTENT_SECURITY_POLICY


@pytest.mark.parametrize(
    "secret",
    [
        None,
        "",
        "changeme",
        "short-but-random-3x9",
        "a" * 64,
        "abcabcabcabcabcabcabcabcabcabcabcabc",
        "please-change-me",
    ],
    ids=["missing", "empty", "well-known", "short", "one-character", "few-characters", "placeholder"],
)
@pytest.mark.parametrize(
    ("build", "variable"),
    [(accounts.create_app, "ACCOUNTS_SECRET_KEY"), (lambda: tenants.create_app("acme"), "ACME_SECRET_KEY")],
    ids=["accounts", "acme"],
)
def test_production_refuses_a_missing_or_weak_secret(production, build, variable, secret):
    if secret is None:
        production.delenv(variable)
    else:
        production.setenv(variable, secret)
    with pytest.raises(ConfigError, match=variable):
        build()


def test_production_needs_smtp_for_accounts(production):
    production.delenv("SMTP_HOST")
    with pytest.raises(ConfigError, match="SMTP_HOST"):
        accounts.create_app()


def test_production_has_no_outbox(accounts_app, production, close_afterwards):
    app = close_afterwards(accounts.create_app(), accounts_db)
    assert app.test_client().get("/dev/outbox/").status_code == 404


def test_an_unknown_environment_is_refused(monkeypatch):
    monkeypatch.setenv("GATEHOUSE_ENV", "prod")
    with pytest.raises(ConfigError, match="GATEHOUSE_ENV"):
        accounts.create_app()


def test_a_weak_secret_is_refused_in_development_too(monkeypatch):
    monkeypatch.setenv("GATEHOUSE_ENV", "development")
    monkeypatch.setenv("ACCOUNTS_SECRET_KEY", "changeme")
    with pytest.raises(ConfigError):
        accounts.create_app()


def test_signed_in_pages_are_not_stored_and_public_ones_may_be(client, make_user, auth):
    make_user("alice@example.com")
    assert "no-store" not in client.get("/").headers.get("Cache-Control", "")
    auth.sign_in("alice@example.com")
    for path in ("/", "/orgs/", "/sessions/", "/no/such/page"):
        assert client.get(path).headers["Cache-Control"] == "no-store", path
    stylesheet = client.get("/static/gatehouse.css")
    stylesheet.close()  # a static file is streamed from disk
    assert "no-store" not in stylesheet.headers.get("Cache-Control", "")
    auth.sign_out()
    assert "no-store" not in client.get("/").headers.get("Cache-Control", "")
