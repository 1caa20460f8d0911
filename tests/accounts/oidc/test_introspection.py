"""RFC 7662 token introspection: client-authenticated, about the client's own tokens only."""

import time

import time_machine

from .conftest import ISSUER


def _introspect(client, rp, token: str, hint: str | None = None):
    data = {"token": token} | ({"token_type_hint": hint} if hint else {})
    return client.post("/oauth/introspect", data=data, auth=(rp.client_id, rp.secret))


def test_active_access_token(flow, signed_in, confidential_client, client):
    with time_machine.travel(time.time(), tick=False):
        now = int(time.time())
        tokens = flow.tokens(confidential_client, scope="openid email")
        response = _introspect(client, confidential_client, tokens["access_token"])
    assert response.status_code == 200
    body = response.get_json()
    assert body["active"] is True
    assert body["token_type"] == "Bearer"
    assert body["scope"] == "openid email"
    assert body["client_id"] == "tenant"
    assert body["sub"] == str(signed_in.id)
    assert body["aud"] == "https://tenant.example"
    assert body["iss"] == ISSUER
    assert body["exp"] == now + 300
    assert body["iat"] == now


def test_active_refresh_token(flow, signed_in, confidential_client, client):
    tokens = flow.tokens(confidential_client)
    body = _introspect(client, confidential_client, tokens["refresh_token"], "refresh_token").get_json()
    assert body["active"] is True
    assert "token_type" not in body


def test_used_refresh_token_is_inactive(flow, signed_in, confidential_client, client):
    tokens = flow.tokens(confidential_client)
    flow.refresh(confidential_client, tokens["refresh_token"])
    assert _introspect(client, confidential_client, tokens["refresh_token"]).get_json() == {"active": False}


def test_revoked_token_is_inactive(flow, signed_in, confidential_client, client):
    tokens = flow.tokens(confidential_client)
    client.post("/oauth/revoke", data={"token": tokens["access_token"]}, auth=("tenant", confidential_client.secret))
    assert _introspect(client, confidential_client, tokens["access_token"]).get_json() == {"active": False}


def test_expired_token_is_inactive(flow, signed_in, confidential_client, client):
    with time_machine.travel(time.time(), tick=False) as traveller:
        tokens = flow.tokens(confidential_client)
        traveller.shift(301)
        assert _introspect(client, confidential_client, tokens["access_token"]).get_json() == {"active": False}


def test_unknown_token_is_inactive(client, confidential_client):
    assert _introspect(client, confidential_client, "nonsense").get_json() == {"active": False}


def test_another_clients_token_looks_inactive(flow, signed_in, confidential_client, register, client):
    other = register("other")
    tokens = flow.tokens(confidential_client)
    assert _introspect(client, other, tokens["access_token"]).get_json() == {"active": False}


def test_introspection_requires_client_authentication(flow, signed_in, confidential_client, public_client, client):
    tokens = flow.tokens(public_client)
    anonymous = client.post("/oauth/introspect", data={"token": tokens["access_token"], "client_id": "spa"})
    assert anonymous.status_code in (400, 401)
    assert anonymous.get_json()["error"] == "invalid_client"
    wrong = client.post("/oauth/introspect", data={"token": tokens["access_token"]}, auth=("tenant", "wrong"))
    assert wrong.status_code == 401
