"""OIDC Core §5.3 userinfo: claims by scope, bearer tokens only, revoked tokens refused."""

import time

import pytest
import time_machine


def _get(client, token: str, method: str = "GET"):
    return client.open("/oauth/userinfo", method=method, headers={"Authorization": f"Bearer {token}"})


@pytest.mark.parametrize(
    ("scope", "expected"),
    [
        ("openid", {"sub"}),
        ("openid profile", {"sub", "name"}),
        ("openid email", {"sub", "email", "email_verified"}),
        ("openid profile email", {"sub", "name", "email", "email_verified"}),
    ],
)
def test_userinfo_claims_follow_the_scope(flow, signed_in, confidential_client, client, scope, expected):
    token = flow.tokens(confidential_client, scope=scope)["access_token"]
    response = _get(client, token)
    assert response.status_code == 200
    claims = response.get_json()
    assert set(claims) == expected
    assert claims["sub"] == str(signed_in.id)
    if "email" in expected:
        assert claims["email"] == "alice@example.com"
        assert claims["email_verified"] is True
    if "name" in expected:
        assert claims["name"] == "Alice"


def test_userinfo_accepts_post(flow, signed_in, confidential_client, client):
    token = flow.tokens(confidential_client)["access_token"]
    assert _get(client, token, "POST").status_code == 200


def test_userinfo_is_not_cacheable(flow, signed_in, confidential_client, client):
    token = flow.tokens(confidential_client)["access_token"]
    assert _get(client, token).headers["Cache-Control"] == "no-store"


def test_userinfo_without_token_is_401_with_www_authenticate(client):
    response = client.get("/oauth/userinfo")
    assert response.status_code == 401
    assert response.get_json()["error"] == "missing_authorization"
    assert response.headers["WWW-Authenticate"].lower().startswith("bearer")  # auth schemes are case-insensitive


def test_userinfo_with_unknown_token_is_401(client):
    response = _get(client, "forged")
    assert response.status_code == 401
    assert response.get_json()["error"] == "invalid_token"
    assert 'error="invalid_token"' in response.headers["WWW-Authenticate"]


def test_userinfo_with_expired_token_is_401(flow, signed_in, confidential_client, client):
    with time_machine.travel(time.time(), tick=False) as traveller:
        token = flow.tokens(confidential_client)["access_token"]
        traveller.shift(301)
        assert _get(client, token).status_code == 401


def test_userinfo_refuses_the_id_token_and_the_refresh_token(flow, signed_in, confidential_client, client):
    tokens = flow.tokens(confidential_client)
    assert _get(client, tokens["id_token"]).status_code == 401
    assert _get(client, tokens["refresh_token"]).status_code == 401


def test_userinfo_accepts_the_token_in_a_form_encoded_post_body(flow, signed_in, confidential_client, client):
    token = flow.tokens(confidential_client)["access_token"]
    response = client.post("/oauth/userinfo", data={"access_token": token})
    assert response.status_code == 200
    assert response.get_json()["sub"] == str(signed_in.id)


def test_userinfo_refuses_the_token_in_the_query_string(flow, signed_in, confidential_client, client):
    # RFC 6750 §2.3: tokens in URLs end up in logs and Referer headers.
    token = flow.tokens(confidential_client)["access_token"]
    assert client.get(f"/oauth/userinfo?access_token={token}").status_code == 401
