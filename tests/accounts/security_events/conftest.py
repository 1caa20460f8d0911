"""Fixtures for security events: Initech with a tenant client holding each member's tokens, and a recording push."""

from types import SimpleNamespace

import pytest
from joserfc import jwt
from joserfc.jwk import KeySet

from accounts.extensions import db
from accounts.oidc.clients import Registration, register_client
from accounts.oidc.models import ClientSession
from accounts.security_events import delivery
from tests.accounts.orgs.conftest import initech, person  # noqa: F401  (the org fixtures, shared)

PUSH_URI = "http://127.0.0.1:9/auth/security-events"


class Push:
    """Stands in for the tenant's push endpoint: records each request, answers with `status` (or raises)."""

    def __init__(self):
        self.requests: list[dict] = []
        self.status = 202
        self.error: Exception | None = None

    def __call__(self, uri, timeout, **kwargs):
        self.requests.append({"uri": uri, **kwargs})
        if self.error is not None:
            raise self.error
        return SimpleNamespace(status_code=self.status, json=lambda: {"err": "invalid_request", "description": "no"})

    def sets(self, accounts_app) -> list[dict]:
        """The claims of every SET pushed, verified with Accounts' published keys."""
        with accounts_app.test_client() as browser:
            keys = KeySet.import_key_set(browser.get("/oauth/jwks").get_json())
        return [jwt.decode(r["data"], keys).claims for r in self.requests if "headers" in r]


@pytest.fixture
def push(monkeypatch):
    recorder = Push()
    monkeypatch.setattr(delivery, "post", recorder)
    return recorder


@pytest.fixture
def tenant_client(accounts_app, initech):  # noqa: F811
    """A client "acme" with a push endpoint, holding tokens of alice, bob and carol (one session each)."""
    with accounts_app.app_context():
        client, _ = register_client(
            Registration(
                name="Acme",
                redirect_uris=["http://127.0.0.1:9/auth/callback"],
                post_logout_redirect_uris=[],
                backchannel_logout_uri=None,
                security_events_uri=PUSH_URI,
                scope="openid orgs",
                public=False,
                first_party=True,
            ),
            "acme",
        )
        for name in ("alice", "bob", "carol"):
            db.session.add(ClientSession(client_id=client.id, sid=f"sid-{name}", user_id=initech.users[name].id))
        db.session.commit()
        return SimpleNamespace(id=client.id, client_id="acme")
