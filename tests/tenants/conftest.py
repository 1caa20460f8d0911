"""Tenant fixtures: a stand-in provider (discovery + signing key) and a helper to open a local session."""

import secrets
import time
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from joserfc import jwt
from joserfc.jwk import KeySet, RSAKey

import tenants
from common.clock import utcnow
from tenants.extensions import db as tenants_db
from tenants.signin.backchannel import BACKCHANNEL_EVENT
from tenants.signin.client import provider
from tenants.signin.tokens import store_token_set
from tests.conftest import _clean, _tenant_app, submit
from tests.tenants.other_provider import OTHER_ISSUER, OtherProvider, OtherSite, authorization_request


@pytest.fixture(scope="session")
def provider_key():
    """The stand-in provider's RS256 signing key."""
    return RSAKey.generate_key(2048, parameters={"kid": "provider-key-1", "alg": "RS256", "use": "sig"})


@pytest.fixture
def fake_provider(provider_key):
    """Give a tenant app the discovery document and JWKS a provider would serve, without HTTP."""

    def install(app):
        issuer = app.config["TENANT"].issuer
        with app.app_context():
            provider().server_metadata.update(
                {
                    "_loaded_at": time.time(),
                    "issuer": issuer,
                    "authorization_endpoint": f"{issuer}/oauth/authorize",
                    "token_endpoint": f"{issuer}/oauth/token",
                    "end_session_endpoint": f"{issuer}/oauth/end-session",
                    "jwks_uri": f"{issuer}/.well-known/jwks.json",
                    "id_token_signing_alg_values_supported": ["RS256"],
                    "authorization_response_iss_parameter_supported": True,
                    "jwks": KeySet([provider_key]).as_dict(private=False),
                }
            )
        return app

    return install


def sign(key, claims: dict, header: dict | None = None) -> str:
    """A JWT signed with key (RS256 unless the header says otherwise)."""
    return jwt.encode({"alg": "RS256", "kid": key.kid, **(header or {})}, claims, key)


@pytest.fixture
def logout_token(provider_key):
    """Build a logout token: logout_token(app, sid=..., **claim overrides, header=..., key=...)."""

    def build(app, *, key=None, header=None, drop=(), **overrides) -> str:
        tenant = app.config["TENANT"]
        claims = {
            "iss": tenant.issuer,
            "aud": tenant.client_id,
            "iat": int(time.time()),
            "exp": int(time.time()) + 120,
            "jti": secrets.token_urlsafe(16),
            "sub": "user-1",
            "sid": "op-session-1",
            "events": {BACKCHANNEL_EVENT: {}},
        }
        claims.update(overrides)
        for name in drop:
            claims.pop(name, None)
        return sign(key or provider_key, claims, {"typ": "logout+jwt", **(header or {})})

    return build


@pytest.fixture
def security_event(provider_key):
    """Build a SET: security_event(app, event=URI, payload={...}, sub=..., **claim overrides, header=, key=)."""
    from tenants.signin.security_events import CLAIMS_CHANGED

    def build(app, *, event=CLAIMS_CHANGED, payload=None, sub="user-1", key=None, header=None, drop=(), **overrides):
        tenant = app.config["TENANT"]
        claims = {
            "iss": tenant.issuer,
            "aud": tenant.client_id,
            "iat": int(time.time()),
            "jti": secrets.token_urlsafe(16),
            "sub_id": {"format": "iss_sub", "iss": tenant.issuer, "sub": sub},
            "events": {event: {"event_timestamp": int(time.time()), **(payload or {})}},
        }
        claims.update(overrides)
        for name in drop:
            claims.pop(name, None)
        return sign(key or provider_key, claims, {"typ": "secevent+jwt", **(header or {})})

    return build


@pytest.fixture
def provider_sign_in(provider_key, monkeypatch):
    """Sign a client in through the real callback with an ID token signed by the stand-in provider.

    provider_sign_in(app, client, sub=..., **claims) -> the callback's response. The token endpoint is
    faked; Authlib still checks the ID token's signature, iss, aud, exp and the nonce it sent.
    """

    def sign_in(app, client, *, drop=(), **overrides):
        tenant = app.config["TENANT"]
        query = parse_qs(urlsplit(client.get("/auth/sign-in").headers["Location"]).query)
        now = int(time.time())
        claims = {
            "iss": tenant.issuer,
            "aud": tenant.client_id,
            "sub": "user-1",
            "iat": now,
            "exp": now + 300,
            "auth_time": now,
            "nonce": query["nonce"][0],
            "sid": "op-session-1",
            "name": "Alice",
            "email": "alice@example.com",
        } | overrides
        for name in drop:
            claims.pop(name, None)
        token = {
            "access_token": "at-" + secrets.token_hex(8),
            "token_type": "Bearer",
            "expires_in": 300,
            "refresh_token": "rt",
            "id_token": sign(provider_key, claims),
        }
        with app.app_context():
            monkeypatch.setattr(provider(), "fetch_access_token", lambda **params: dict(token))
        return client.get(f"/auth/callback?code=c&state={query['state'][0]}&iss={tenant.issuer}")

    return sign_in


@pytest.fixture
def open_session():
    """Sign a test client in locally as if the provider had: open_session(app, client, sub, sid, **claims)."""

    def make(app, client, sub: str = "user-1", sid: str = "op-session-1", **claims):
        token = {
            "access_token": "at-" + secrets.token_hex(8),
            "expires_in": 300,
            "refresh_token": "rt",
            "id_token": "idt",
        }
        iss = app.config["TENANT"].issuer
        with app.app_context():
            token_set_id = store_token_set(app.config["SITE"], iss, sub, sid, token, utcnow())
            tenants_db.session.remove()
        with client.session_transaction() as session:
            session.update(
                {
                    "iss": iss,
                    "sub": sub,
                    "op_sid": sid,
                    "token_set_id": token_set_id,
                    "claims": {"iss": iss, "sub": sub, "name": "Alice", "sid": sid, **claims},
                }
            )
        return token_set_id

    return make


@pytest.fixture
def access_token(provider_key):
    """Build an RFC 9068 access token for a tenant: access_token(app, person, scope=..., **claim overrides)."""

    def build(app, person=None, *, scope="todos:read todos:write", key=None, header=None, drop=(), **overrides) -> str:
        tenant = app.config["TENANT"]
        now = int(time.time())
        claims = {
            "iss": tenant.issuer,
            "aud": tenant.audience,
            "sub": person.sub if person else "user-1",
            "client_id": tenant.client_id,
            "scope": scope,
            "orgs": person.orgs if person else [],
            "iat": now,
            "exp": now + 300,
            "jti": secrets.token_urlsafe(16),
        }
        claims.update(overrides)
        for name in drop:
            claims.pop(name, None)
        return sign(key or provider_key, claims, {"typ": "at+jwt", **(header or {})})

    return build


@pytest.fixture
def browser_as(open_session):
    """A test client signed in to a tenant as a Person, working in active_org (chosen with the header switcher)."""

    def make(app, person, active_org: str | None = None):
        browser = app.test_client()
        open_session(app, browser, sub=person.sub, name=person.name, orgs=person.orgs)
        if active_org is not None:
            response = submit(browser, "/active-org", {"org_id": active_org}, form_url="/todos/")
            assert response.status_code == 303
        return browser

    return make


@pytest.fixture
def api():
    """api(app, method, path, token=None, **kwargs): one call with `Authorization: Bearer <token>`."""

    def call(app, method: str, path: str, token: str | None = None, **kwargs):
        headers = dict(kwargs.pop("headers", {}))
        if token is not None:
            headers["Authorization"] = f"Bearer {token}"
        return app.test_client().open(path, method=method, headers=headers, **kwargs)

    return call


@pytest.fixture(scope="module")
def tenant_apps():
    """Acme and Globex built once per module (for tests that run many cases against empty tables)."""
    apps = {slug: tenants.create_app(slug, {"TESTING": True}) for slug in ("acme", "globex")}
    with apps["acme"].app_context():
        tenants_db.create_all()
    yield apps
    for app in apps.values():
        with app.app_context():
            tenants_db.engine.dispose()


@pytest.fixture
def other(monkeypatch, provider_key):
    """Acme pointed at a provider that is not Gatehouse (OTHER_ISSUER), with defaults for everything else.

    other.app is the tenant, other.provider the stand-in answering its HTTP calls (requests is
    patched, so Authlib's own discovery, token, JWKS and userinfo requests reach it).
    """
    monkeypatch.setenv("ACME_ISSUER", OTHER_ISSUER)
    app = _tenant_app("acme")
    fake = OtherProvider(provider_key, app.config["TENANT"].client_id)
    monkeypatch.setattr(requests.Session, "request", lambda session, method, url, **kw: fake(method, url, **kw))
    yield OtherSite(app, fake)
    with app.app_context():
        _clean(tenants_db)
        tenants_db.engine.dispose()


def finish_at_provider(client, fake, location: str, **answer):
    """Play the provider's part of an authorization request the tenant sent the browser to.

    With no answer the user is signed in there and the callback carries a code; error="…" answers
    with that error instead. Returns the tenant's answer to the callback.
    """
    request = authorization_request(location)
    assert location.startswith(fake.discovery()["authorization_endpoint"]), location
    fake.nonce = request.get("nonce")
    query = {"state": request["state"], **(answer or {"code": "code-" + secrets.token_hex(4)})}
    return client.get("/auth/callback", query_string=query)


@pytest.fixture
def sign_in_at_other():
    """sign_in_at_other(other, client, next="/") -> the callback's response, after "Sign in" at the tenant."""

    def sign_in(other, client, next: str = "/"):
        location = client.get("/auth/sign-in", query_string={"next": next}).headers["Location"]
        return finish_at_provider(client, other.provider, location)

    return sign_in
