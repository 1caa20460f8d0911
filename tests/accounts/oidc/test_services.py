"""Grant bookkeeping rules tested directly: spending a code or a refresh token works once, even under races."""

from datetime import timedelta

from sqlalchemy import select

from accounts.extensions import db
from accounts.oidc import services
from accounts.oidc.credentials import credential_matches, hash_credential, new_credential
from accounts.oidc.models import AuthorizationCode, Client, ClientSession, Token
from common.clock import utcnow


def _successor(source, now) -> services.Issued:
    """The rows of a token response issued for this code or token row, as the token endpoint stages them."""
    response = {"access_token": new_credential(), "refresh_token": new_credential(), "expires_in": 300}
    client = db.session.get(Client, source.client_id)
    return services.issued_rows(
        response,
        client=client,
        user_id=source.user_id,
        sid=source.sid,
        family_id=source.family_id,
        now=now,
        refresh_expires_at=now + timedelta(days=1),
        impersonation=None,
        first_of_session=False,
    )


def _family(family_id: str) -> list[Token]:
    return list(db.session.scalars(select(Token).where(Token.family_id == family_id).order_by(Token.id)))


def test_a_code_can_be_spent_once(accounts_app, flow, signed_in, confidential_client):
    flow.code(confidential_client)
    with accounts_app.app_context():
        code, now = db.session.scalar(select(AuthorizationCode)), utcnow()
        assert services.redeem_code(code, _successor(code, now), now) is True
        # The loser of a race finds it spent (the UPDATE is conditional on used_at IS NULL) ...
        assert services.redeem_code(code, _successor(code, now), now) is False
        db.session.expire_all()
        assert db.session.get(AuthorizationCode, code.id).used_at is not None
        # ... and its token is stored all the same, in the family the caller then revokes.
        assert len(_family(code.family_id)) == 2


def test_a_refresh_token_can_be_spent_once(accounts_app, flow, signed_in, confidential_client):
    flow.tokens(confidential_client)
    with accounts_app.app_context():
        token, now = db.session.scalar(select(Token)), utcnow()
        assert services.rotate_refresh_token(token, _successor(token, now), now) is True
        assert services.rotate_refresh_token(token, _successor(token, now), now) is False
        first, *successors = _family(token.family_id)
        assert first.refresh_used_at is not None and len(successors) == 2


def test_the_first_token_of_a_session_records_its_client_with_the_spend(
    accounts_app, flow, signed_in, confidential_client
):
    flow.code(confidential_client)
    with accounts_app.app_context():
        code, now = db.session.scalar(select(AuthorizationCode)), utcnow()
        first = _successor(code, now)
        issued = services.Issued(
            first.token, dict(client_id=code.client_id, sid=code.sid, user_id=code.user_id, created_at=now)
        )
        assert services.redeem_code(code, issued, now) is True
        recorded = db.session.scalars(select(ClientSession.sid).where(ClientSession.client_id == code.client_id))
        assert list(recorded) == [code.sid]


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
