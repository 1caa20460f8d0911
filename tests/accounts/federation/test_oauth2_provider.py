"""A plain OAuth 2 provider (GitHub style, no OpenID): endpoints and a userinfo mapping from its file, no code.

The provider is a stand-in answering Accounts' HTTP calls (requests.Session.request): it checks the
PKCE verifier at its token endpoint and returns a GitHub-shaped /user document.
"""

import base64
import hashlib
import json
from urllib.parse import parse_qs, parse_qsl, urlsplit

import pytest
import requests
from sqlalchemy import select

from accounts.extensions import db
from accounts.federation.models import FederatedIdentity
from accounts.identity.models import User

HUB = "https://hub.example"
GITHUB = f"""name = "Hub"
client_id = "Iv1.test"
client_secret = "hub-secret"
authorize_url = "{HUB}/login/oauth/authorize"
token_url = "{HUB}/login/oauth/access_token"
userinfo_url = "https://api.hub.example/user"
scopes = ["read:user", "user:email"]
[claims]
sub = "id"
email = "email"
name = "name"
"""


class FakeHub:
    """Token and /user endpoints; the authorization step is answered by the test (the browser's part)."""

    def __init__(self):
        self.challenge: str | None = None
        self.user = {"id": 583231, "login": "octocat", "name": "Octo Cat", "email": "octo@example.com"}
        self.calls: list[str] = []
        self.userinfo_refused = False

    def __call__(self, method, url, data=None, **kwargs):
        self.calls.append(url.split("?")[0])
        form = dict(parse_qsl(data)) if isinstance(data, str | bytes) else dict(data or {})
        if url.startswith(f"{HUB}/login/oauth/access_token"):
            verifier = form.get("code_verifier", "")
            digest = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
            ok = form.get("code") == "hub-code" and digest == self.challenge
            status, body = (200, {"access_token": "gho_x", "token_type": "bearer"}) if ok else (400, {"error": "bad"})
        elif url == "https://api.hub.example/user":
            sent = requests.Request(method, url, headers=kwargs.get("headers")).prepare()
            if kwargs.get("auth"):
                sent = kwargs["auth"](sent)  # Authlib's bearer auth (RFC 6750 §2.1)
            auth = sent.headers.get("Authorization", "")
            ok = auth == "Bearer gho_x" and not self.userinfo_refused
            status, body = (200, self.user) if ok else (401, {"message": "Bad credentials"})
        else:
            raise AssertionError(f"Accounts called {url}")
        response = requests.Response()
        response.status_code, response._content = status, json.dumps(body).encode()
        response.headers["Content-Type"] = "application/json"
        response.url = url
        return response


@pytest.fixture
def hub(monkeypatch):
    fake = FakeHub()
    monkeypatch.setattr(requests.Session, "request", lambda session, method, url, **kw: fake(method, url, **kw))
    return fake


@pytest.fixture
def app(accounts_app_with, tmp_path):
    (tmp_path / "hub.toml").write_text(GITHUB)
    return accounts_app_with(FEDERATION_UPSTREAMS_DIR=str(tmp_path))


def sign_in_at_hub(client, hub: FakeHub):
    """Press "Continue with Hub"; the provider approves and sends the browser back with a code."""
    start = client.get("/sign-in/with/hub")
    assert start.status_code == 303
    query = parse_qs(urlsplit(start.headers["Location"]).query)
    assert start.headers["Location"].startswith(f"{HUB}/login/oauth/authorize?")
    assert query["code_challenge_method"] == ["S256"] and query["scope"] == ["read:user user:email"]
    assert "nonce" not in query, "no OpenID: no nonce"
    hub.challenge = query["code_challenge"][0]
    return client.get("/sign-in/with/hub/callback", query_string={"code": "hub-code", "state": query["state"][0]})


def test_a_first_sign_in_maps_userinfo_and_asks_to_confirm_the_untrusted_address(app, hub):
    client = app.test_client()

    response = sign_in_at_hub(client, hub)

    assert response.status_code == 303 and response.headers["Location"].endswith("/check-inbox")
    with app.app_context():
        user = db.session.scalar(select(User))
        row = db.session.scalar(select(FederatedIdentity))
        assert (user.email, user.name, user.email_verified_at) == ("octo@example.com", "Octo Cat", None)
        assert (row.iss, row.sub, row.provider) == (HUB, "583231", "hub")


def test_after_confirming_the_address_the_identity_signs_in(app, hub):
    client = app.test_client()
    sign_in_at_hub(client, hub)
    with app.app_context():
        db.session.scalar(select(User)).email_verified_at = db.func.now()
        db.session.commit()

    response = sign_in_at_hub(app.test_client(), hub)

    assert response.status_code == 303 and response.headers["Location"] == "/"


def test_a_userinfo_without_an_id_is_refused(app, hub):
    hub.user = {"login": "octocat", "email": "octo@example.com"}

    response = sign_in_at_hub(app.test_client(), hub)

    assert response.status_code == 400 and "did not say who signed in" in response.get_data(as_text=True)


def test_a_refused_userinfo_call_fails_the_sign_in_with_a_4xx(app, hub):
    hub.userinfo_refused = True

    response = sign_in_at_hub(app.test_client(), hub)

    assert response.status_code == 400
    with app.app_context():
        assert db.session.scalar(select(User)) is None
