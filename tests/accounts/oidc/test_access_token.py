"""RFC 9068 JWT access tokens: typ at+jwt, audience = the client's resource, 5 minutes, signed RS256."""

import time

import time_machine

from .conftest import ISSUER


def test_access_token_is_an_rfc9068_jwt(flow, signed_in, confidential_client):
    with time_machine.travel(time.time(), tick=False):
        now = int(time.time())
        token = flow.verify(flow.tokens(confidential_client, scope="openid email")["access_token"])
    assert token.header["typ"] == "at+jwt"
    assert token.header["alg"] == "RS256"
    claims = token.claims
    assert claims["iss"] == ISSUER
    assert claims["sub"] == str(signed_in.id)
    assert claims["aud"] == "https://tenant.example"
    assert claims["client_id"] == "tenant"
    assert claims["scope"] == "openid email"
    assert claims["iat"] == now
    assert claims["exp"] == now + 300
    assert claims["jti"]


def test_audience_defaults_to_the_client_id(flow, signed_in, public_client):
    claims = flow.verify(flow.tokens(public_client)["access_token"]).claims
    assert claims["aud"] == "spa"


def test_every_access_token_has_its_own_jti(flow, signed_in, confidential_client):
    first = flow.verify(flow.tokens(confidential_client)["access_token"]).claims["jti"]
    second = flow.verify(flow.tokens(confidential_client)["access_token"]).claims["jti"]
    assert first != second


def test_the_issuer_is_read_where_id_tokens_and_discovery_read_it(accounts_app, flow, signed_in, confidential_client):
    # A site whose public URL is set after it was built (the live test sites) signs every token with that URL.
    accounts_app.config["SITE_URL"] = "https://accounts.example"
    tokens = flow.tokens(confidential_client, scope="openid")
    assert flow.verify(tokens["access_token"]).claims["iss"] == "https://accounts.example"
    assert flow.verify(tokens["id_token"]).claims["iss"] == "https://accounts.example"
