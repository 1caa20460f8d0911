"""OIDC Core §2 / §3.1.3.7 ID tokens: RS256, verified against the served JWKS, with every claim we promise."""

import time

import pytest
import time_machine
from joserfc import jwt
from joserfc.errors import BadSignatureError
from joserfc.jwk import RSAKey

from .conftest import ISSUER, signed_in_sid


def test_id_token_signature_verifies_with_the_jwks(flow, signed_in, confidential_client):
    token = flow.verify(flow.tokens(confidential_client)["id_token"])
    assert token.header["alg"] == "RS256"
    assert token.header["kid"] in {key["kid"] for key in flow.client.get("/oauth/jwks").get_json()["keys"]}


def test_id_token_has_every_required_claim(flow, signed_in, confidential_client, client):
    with time_machine.travel(time.time(), tick=False):
        now = int(time.time())
        result = flow.code(confidential_client, scope="openid")
        tokens = flow.exchange(confidential_client, result).get_json()
    claims = flow.verify(tokens["id_token"]).claims
    assert claims["iss"] == ISSUER
    assert claims["sub"] == str(signed_in.id)
    assert claims["aud"] == confidential_client.client_id
    assert claims["iat"] == now
    assert claims["exp"] == now + 300
    assert claims["nonce"] == result.nonce
    assert claims["amr"] == ["pwd"]
    assert isinstance(claims["auth_time"], int) and claims["auth_time"] <= now
    assert claims["sid"] == signed_in_sid(client.application)
    assert "at_hash" in claims


@pytest.mark.parametrize(
    ("scope", "present", "absent"),
    [
        ("openid", set(), {"name", "email", "email_verified"}),
        ("openid profile", {"name"}, {"email", "email_verified"}),
        ("openid email", {"email", "email_verified"}, {"name"}),
    ],
)
def test_id_token_profile_claims_follow_the_scope(flow, signed_in, confidential_client, scope, present, absent):
    claims = flow.verify(flow.tokens(confidential_client, scope=scope)["id_token"]).claims
    assert present <= claims.keys()
    assert not absent & claims.keys()


def test_auth_time_is_when_the_user_signed_in(flow, client, auth, user, confidential_client):
    with time_machine.travel(time.time(), tick=False) as traveller:
        signed_in_at = int(time.time())
        auth.sign_in("alice@example.com")
        traveller.shift(120)
        claims = flow.verify(flow.tokens(confidential_client)["id_token"]).claims
    assert claims["auth_time"] == signed_in_at
    assert claims["iat"] == signed_in_at + 120


def test_a_token_signed_by_another_key_does_not_verify(flow, signed_in, confidential_client):
    claims = flow.verify(flow.tokens(confidential_client)["id_token"]).claims
    forged = jwt.encode({"alg": "RS256", "kid": "x"}, claims, RSAKey.generate_key(2048))
    with pytest.raises(BadSignatureError):
        jwt.decode(forged, flow.jwks().keys[0], algorithms=["RS256"])
