"""An access token as the userinfo bearer check reads it: one Core row with its client and user, no ORM objects."""

from dataclasses import dataclass
from datetime import datetime
from functools import cache

from authlib.oauth2.rfc6749 import TokenMixin
from sqlalchemy import bindparam, select

from common.clock import utcnow

from ..extensions import db
from ..identity.models import User
from ..orgs.claims import CLAIM_COLUMNS, CLAIM_ORDER, claim_entry, memberships_joined
from .credentials import hash_credential
from .impersonation import Impersonation
from .models import Client, Token, client_metadata


@dataclass(frozen=True)
class BearerClient:
    """The client an access token was issued to, as Authlib's userinfo endpoint reads it."""

    client_id: str
    client_metadata: dict


@dataclass(frozen=True)
class BearerUser:
    """The user an access token speaks for: the facts user_claims reads."""

    id: int
    name: str
    email: str
    email_verified_at: datetime | None


@dataclass(frozen=True)
class BearerGrant(TokenMixin):
    """A stored access token with its client and user, read once per bearer request."""

    scope: str
    expires_at: datetime
    revoked_at: datetime | None
    client: BearerClient
    user: BearerUser
    impersonation: Impersonation | None
    orgs: list[dict]  # the user's orgs claim, read with the token

    def get_scope(self) -> str:
        return self.scope

    def is_expired(self) -> bool:
        return utcnow() >= self.expires_at

    def is_revoked(self) -> bool:
        return self.revoked_at is not None

    def get_client(self) -> BearerClient:
        return self.client

    def get_user(self) -> BearerUser:
        return self.user


@cache
def _by_access_token():
    # One round trip, rows instead of entities: building ORM objects cost more CPU than the query. One row
    # per membership (the orgs claim, read in the same statement: a second one cost as much as the first).
    t, c, u = Token.__table__.c, Client.__table__.c, User.__table__.c
    token_client_user = Token.__table__.join(Client.__table__, t.client_id == c.id).join(
        User.__table__, t.user_id == u.id
    )
    return (
        select(
            t.scope,
            t.expires_at,
            t.revoked_at,
            t.actor_id,
            t.impersonation_reason,
            t.impersonation_expires_at,
            c.client_id,
            c.post_logout_redirect_uris,
            u.id,
            u.name,
            u.email,
            u.email_verified_at,
            *CLAIM_COLUMNS,
        )
        .select_from(memberships_joined(token_client_user, t.user_id))
        .where(t.access_token_hash == bindparam("digest"))
        .order_by(*CLAIM_ORDER)
    )


def _rows(statement, params: dict) -> list:
    """The statement's rows: in the request's transaction if it has one, else on a connection of its own."""
    if db.session.registry.has() and db.session().in_transaction():
        return db.session.execute(statement, params).all()
    # A client's back end sends no cookie, so nothing was read yet: no ORM session is made for this request,
    # and the read runs in autocommit (no BEGIN and ROLLBACK round trips). Session set-up and teardown
    # cost ~20% of a userinfo request.
    with db.engine.connect() as connection:
        autocommit = connection.execution_options(isolation_level="AUTOCOMMIT")
        return autocommit.execute(statement, params).all()


def bearer_grant(token: str) -> BearerGrant | None:
    """The stored access token this bearer value is, with its client and user; None if unknown."""
    rows = _rows(_by_access_token(), {"digest": hash_credential(token)})
    if not rows:
        return None
    scope, expires_at, revoked_at, actor_id, reason, acting_until, client_id, logout_uris, *user = rows[0][:12]
    # A user without memberships comes back as one row whose org columns are all NULL.
    orgs = [claim_entry(*row[12:]) for row in rows if row[12] is not None]
    return BearerGrant(
        scope=scope,
        expires_at=expires_at,
        revoked_at=revoked_at,
        client=BearerClient(client_id, client_metadata(logout_uris)),
        user=BearerUser(*user),
        impersonation=Impersonation(actor_id, reason, acting_until) if actor_id is not None else None,
        orgs=orgs,
    )
