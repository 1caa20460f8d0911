"""Grant bookkeeping rules tested directly: spending a code or a refresh token works once, even under races."""

from sqlalchemy import select

from accounts.extensions import db
from accounts.oidc import services
from accounts.oidc.credentials import credential_matches, hash_credential, new_credential
from accounts.oidc.models import AuthorizationCode, Token
from common.clock import utcnow


def test_a_code_can_be_spent_once(accounts_app, flow, signed_in, confidential_client):
    flow.code(confidential_client)
    with accounts_app.app_context():
        code = db.session.scalar(select(AuthorizationCode))
        assert services.spend_code(code, utcnow()) is True
        # The loser of a race finds it spent (the UPDATE is conditional on used_at IS NULL).
        assert services.spend_code(code, utcnow()) is False


def test_a_refresh_token_can_be_spent_once(accounts_app, flow, signed_in, confidential_client):
    flow.tokens(confidential_client)
    with accounts_app.app_context():
        token = db.session.scalar(select(Token))
        assert services.spend_refresh_token(token, utcnow()) is True
        assert services.spend_refresh_token(token, utcnow()) is False


def test_codes_and_tokens_are_stored_as_hashes(accounts_app, flow, signed_in, confidential_client):
    result = flow.code(confidential_client)
    tokens = flow.exchange(confidential_client, result).get_json()
    with accounts_app.app_context():
        code = db.session.scalar(select(AuthorizationCode))
        token = db.session.scalar(select(Token))
    assert code.code_hash == hash_credential(result.code)
    assert token.access_token_hash == hash_credential(tokens["access_token"])
    assert token.refresh_token_hash == hash_credential(tokens["refresh_token"])


def test_credentials_are_long_random_and_compared_by_hash():
    first, second = new_credential(), new_credential()
    assert first != second and len(first) >= 43
    assert credential_matches(first, hash_credential(first))
    assert not credential_matches(second, hash_credential(first))
