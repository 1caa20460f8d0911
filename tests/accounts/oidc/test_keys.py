"""JWKS and key rotation: old public keys stay published until the tokens they signed have expired."""

import json
import time
from datetime import timedelta

import pytest
import time_machine
from joserfc import jwt
from joserfc.errors import BadSignatureError, InvalidKeyIdError
from sqlalchemy import select

from accounts.extensions import db
from accounts.oidc import keys
from accounts.oidc.models import SigningKey
from common.clock import utcnow


def _rotate(accounts_app) -> dict:
    result = accounts_app.test_cli_runner().invoke(args=["keys", "rotate"])
    assert result.exit_code == 0, result.output
    return json.loads(result.output)


def test_jwks_publishes_public_rs256_keys_only(client):
    keys = client.get("/oauth/jwks").get_json()["keys"]
    assert len(keys) == 1
    key = keys[0]
    assert (key["kty"], key["alg"], key["use"]) == ("RSA", "RS256", "sig")
    assert key["kid"]
    # No private RSA parameter may ever be served.
    assert not {"d", "p", "q", "dp", "dq", "qi"} & key.keys()


def test_private_keys_are_encrypted_at_rest(accounts_app, client):
    client.get("/oauth/jwks")
    with accounts_app.app_context():
        row = db.session.scalar(select(SigningKey))
        assert row.private_pem_encrypted.startswith("-----BEGIN ENCRYPTED PRIVATE KEY-----")
        assert "d" not in row.public_jwk


def test_rotation_signs_new_tokens_with_the_new_key(accounts_app, flow, signed_in, confidential_client):
    old_kid = flow.verify(flow.tokens(confidential_client)["id_token"]).header["kid"]
    rotated = _rotate(accounts_app)
    assert rotated["retired_kids"] == [old_kid]
    new_token = flow.verify(flow.tokens(confidential_client)["id_token"])
    assert new_token.header["kid"] == rotated["signing_kid"] != old_kid


def test_rotated_key_still_verifies_old_tokens(accounts_app, flow, signed_in, confidential_client):
    tokens = flow.tokens(confidential_client)
    _rotate(accounts_app)
    published = {key["kid"] for key in flow.client.get("/oauth/jwks").get_json()["keys"]}
    assert len(published) == 2
    # Verified against the JWKS served after the rotation.
    assert flow.verify(tokens["id_token"]).claims["sub"] == str(signed_in.id)
    assert flow.verify(tokens["access_token"]).header["typ"] == "at+jwt"


def test_retired_key_is_dropped_once_its_tokens_have_expired(accounts_app, flow, signed_in, confidential_client):
    with time_machine.travel(time.time(), tick=False) as traveller:
        id_token = flow.tokens(confidential_client)["id_token"]
        _rotate(accounts_app)
        # Token lifetime, clock leeway, and the interval in which workers may still sign with the old key.
        traveller.shift(300 + 60 + 30 - 1)
        assert len(flow.client.get("/oauth/jwks").get_json()["keys"]) == 2
        traveller.shift(2)
        jwks = flow.jwks()
    assert len(jwks.keys) == 1
    with pytest.raises(InvalidKeyIdError):
        jwt.decode(id_token, jwks, algorithms=["RS256"])


def test_rotation_deletes_keys_past_retention(accounts_app, client):
    with time_machine.travel(time.time(), tick=False) as traveller:
        client.get("/oauth/jwks")
        _rotate(accounts_app)
        traveller.shift(3600)
        _rotate(accounts_app)
    with accounts_app.app_context():
        assert len(db.session.scalars(select(SigningKey)).all()) == 2


def test_tampered_token_fails_verification(flow, signed_in, confidential_client):
    header, _, signature = flow.tokens(confidential_client)["id_token"].split(".")
    other_payload = flow.tokens(confidential_client)["id_token"].split(".")[1]
    with pytest.raises(BadSignatureError):
        flow.verify(f"{header}.{other_payload}.{signature}")


def test_a_changed_site_secret_moves_signing_to_a_new_key(accounts_app, caplog):
    with accounts_app.app_context():
        first = keys.signing_key("first-site-secret-" + "x" * 32, utcnow())
        keys._private_keys.clear()  # a fresh process, which has to decrypt from the table
        second = keys.signing_key("second-site-secret-" + "y" * 32, utcnow())
        published = {jwk["kid"] for jwk in keys.published_keys(utcnow(), timedelta(minutes=6))}
    assert second.kid != first.kid
    assert published == {first.kid, second.kid}
    assert "cannot be decrypted" in caplog.text
    assert "PRIVATE" not in caplog.text


def test_jwks_is_never_empty(client):
    # A client may fetch the keys before the first token was ever signed.
    assert len(client.get("/oauth/jwks").get_json()["keys"]) == 1
