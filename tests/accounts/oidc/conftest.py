"""Fixtures for the OpenID provider: registered clients, a signed-in user, and a helper that runs
authorize -> code -> token through the real endpoints."""

import base64
import hashlib
import secrets
from dataclasses import dataclass, field
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest
from joserfc import jwt
from joserfc.jwk import KeySet
from sqlalchemy import select

from accounts.extensions import db
from accounts.identity.models import User
from accounts.oidc.clients import Registration, register_client
from accounts.sessions.models import UserSession
from accounts.sessions.slots import AUTHENTICATION

ISSUER = "http://localhost:5000"


@dataclass
class RegisteredClient:
    """A client as the tests know it: id, secret (None if public), URIs."""

    client_id: str
    secret: str | None
    redirect_uri: str
    post_logout_redirect_uri: str
    backchannel_logout_uri: str | None
    scope: str
    resource: str | None = None

    @property
    def public(self) -> bool:
        return self.secret is None


@dataclass
class Posted:
    """A logout token the provider POSTed to a client's back-channel URI."""

    uri: str
    logout_token: str
    timeout: float


class BackchannelRecorder:
    """Stands in for the HTTP POST of logout tokens: records them, answers `status` (tests never leave the host)."""

    def __init__(self):
        self.posted: list[Posted] = []
        self.status = 200

    def __call__(self, uri: str, token: str, timeout: float) -> int:
        self.posted.append(Posted(uri, token, timeout))
        return self.status


@pytest.fixture(autouse=True)
def backchannel(monkeypatch):
    """Every test here records logout tokens instead of sending them over the network."""
    recorder = BackchannelRecorder()
    monkeypatch.setattr("accounts.oidc.backchannel.post_logout_token", recorder)
    return recorder


@pytest.fixture
def register(accounts_app):
    """register(client_id, public=False, first_party=True, scope=...) -> RegisteredClient."""

    def make(
        client_id: str = "tenant",
        *,
        public: bool = False,
        first_party: bool = True,
        scope: str = "openid profile email offline_access",
        backchannel: bool = True,
        resource: str | None = None,
    ) -> RegisteredClient:
        base = f"https://{client_id}.example"
        registration = Registration(
            name=client_id.title(),
            redirect_uris=[f"{base}/auth/callback"],
            post_logout_redirect_uris=[f"{base}/signed-out"],
            backchannel_logout_uri=f"{base}/auth/backchannel-logout" if backchannel else None,
            scope=scope,
            public=public,
            first_party=first_party,
            resource=resource,
        )
        with accounts_app.app_context():
            _, secret = register_client(registration, client_id)
            db.session.remove()
        return RegisteredClient(
            client_id,
            secret,
            registration.redirect_uris[0],
            registration.post_logout_redirect_uris[0],
            registration.backchannel_logout_uri,
            scope,
            resource,
        )

    return make


@pytest.fixture
def confidential_client(register):
    """A first-party confidential client (like a tenant site), with a back-channel logout URI."""
    return register("tenant", resource="https://tenant.example")


@pytest.fixture
def public_client(register):
    """A first-party public client (no secret: PKCE alone protects its codes)."""
    return register("spa", public=True)


@pytest.fixture
def user(accounts_app, make_user):
    """A verified user, not signed in (detached, with its columns loaded)."""
    make_user("alice@example.com", name="Alice")
    with accounts_app.app_context():
        loaded = db.session.scalar(select(User).where(User.email == "alice@example.com"))
        db.session.expunge(loaded)
        return loaded


@pytest.fixture
def signed_in(client, auth, user):
    """The test client signed in to Accounts as Alice."""
    response = auth.sign_in("alice@example.com")
    assert response.status_code == 303
    return user


def signed_in_sid(app) -> str:
    """The public id (`sid`) of the one signed-in Accounts session."""
    with app.app_context():
        rows = db.session.scalars(select(UserSession).where(UserSession.user_id.is_not(None))).all()
        assert len(rows) == 1
        return rows[0].public_id


def impersonate(client, actor_id: int, reason: str, expires_at: int) -> None:
    """Make the signed-in Accounts session an admin's impersonation of its user, stored as authentication.py does."""
    with client.session_transaction() as session:
        record = dict(session[AUTHENTICATION.key])
        record.update(actor_id=actor_id, reason=reason, expires_at=expires_at)
        session[AUTHENTICATION.key] = record


def new_verifier() -> str:
    """A PKCE code verifier (RFC 7636 §4.1: 43-128 unreserved characters)."""
    return secrets.token_urlsafe(48)


def s256(verifier: str) -> str:
    """The S256 code challenge of a verifier."""
    return base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()


def query_of(location: str) -> dict[str, str]:
    """The query parameters of a redirect's Location (single values)."""
    return {k: v[0] for k, v in parse_qs(urlsplit(location).query).items()}


@dataclass
class CodeResult:
    """What the authorization endpoint sent back, plus what the client kept."""

    code: str
    verifier: str
    state: str
    nonce: str
    params: dict = field(default_factory=dict)


class Flow:
    """Drives the provider the way a relying party and its user's browser do."""

    def __init__(self, client):
        self.client = client

    def authorize_params(self, rp: RegisteredClient, verifier: str | None = None, **overrides) -> dict:
        params = {
            "response_type": "code",
            "client_id": rp.client_id,
            "redirect_uri": rp.redirect_uri,
            "scope": rp.scope,
            "state": secrets.token_urlsafe(8),
            "nonce": secrets.token_urlsafe(8),
            "code_challenge": s256(verifier or new_verifier()),
            "code_challenge_method": "S256",
        }
        params.update(overrides)
        return {k: v for k, v in params.items() if v is not None}

    def authorize(self, rp: RegisteredClient | None = None, verifier: str | None = None, **overrides):
        """GET /authorize with sensible defaults; pass name=None to leave a parameter out."""
        params = self.authorize_params(rp, verifier, **overrides) if rp else overrides
        return self.client.get("/authorize?" + urlencode(params))

    def code(self, rp: RegisteredClient, **overrides) -> CodeResult:
        """Run the authorization request of a signed-in user and return the code it yields."""
        verifier = new_verifier()
        params = self.authorize_params(rp, verifier, **overrides)
        response = self.client.get("/authorize?" + urlencode(params))
        assert response.status_code == 302, response.get_data(as_text=True)
        assert response.location.startswith(rp.redirect_uri + "?")
        answer = query_of(response.location)
        assert "code" in answer, answer
        return CodeResult(answer["code"], verifier, params["state"], params["nonce"], answer)

    def token_request(self, rp: RegisteredClient, data: dict, **kwargs):
        """POST to the token endpoint, authenticating as the client (Basic) or naming it (public)."""
        if rp.public:
            return self.client.post("/oauth/token", data={"client_id": rp.client_id, **data}, **kwargs)
        return self.client.post("/oauth/token", data=data, auth=(rp.client_id, rp.secret), **kwargs)

    def exchange(self, rp: RegisteredClient, result: CodeResult, **overrides):
        data = {
            "grant_type": "authorization_code",
            "code": result.code,
            "redirect_uri": rp.redirect_uri,
            "code_verifier": result.verifier,
        }
        data.update(overrides)
        return self.token_request(rp, {k: v for k, v in data.items() if v is not None})

    def tokens(self, rp: RegisteredClient, **overrides) -> dict:
        """authorize -> code -> token; the token response as a dict."""
        response = self.exchange(rp, self.code(rp, **overrides))
        assert response.status_code == 200, response.get_data(as_text=True)
        return response.get_json()

    def refresh(self, rp: RegisteredClient, refresh_token: str, **extra):
        return self.token_request(rp, {"grant_type": "refresh_token", "refresh_token": refresh_token, **extra})

    def jwks(self) -> KeySet:
        """The provider's published keys, fetched like a client would."""
        return KeySet.import_key_set(self.client.get("/oauth/jwks").get_json())

    def verify(self, token: str) -> jwt.Token:
        """A JWT's header and claims, after checking its RS256 signature against the served JWKS."""
        return jwt.decode(token, self.jwks(), algorithms=["RS256"])


@pytest.fixture
def flow(client):
    """The authorize -> code -> token helper on the Accounts test client."""
    return Flow(client)
