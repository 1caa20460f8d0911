"""An access token as the userinfo bearer check reads it: one Core row with its client and user, no ORM objects."""

from dataclasses import dataclass
from datetime import datetime
from functools import cache

from authlib.oauth2.rfc6749 import TokenMixin
from sqlalchemy import bindparam, select

from common.clock import utcnow

from ..identity.models import User
from . import single_statements
from .credentials import hash_credential
from .grant_rows import USER_COLUMNS, GrantUser, split_rows, with_orgs_claim
from .impersonation import Impersonation
from .models import IMPERSONATED_COLUMNS, Client, Token, client_metadata, impersonation_of


@dataclass(frozen=True)
class BearerClient:
    """The client an access token was issued to, as Authlib's userinfo endpoint reads it."""

    client_id: str
    client_metadata: dict


@dataclass(frozen=True)
class BearerGrant(TokenMixin):
    """A stored access token with its client and user, read once per bearer request."""

    scope: str
    expires_at: datetime
    revoked_at: datetime | None
    client: BearerClient
    user: GrantUser
    impersonation: Impersonation | None

    def get_scope(self) -> str:
        return self.scope

    def is_expired(self) -> bool:
        return utcnow() >= self.expires_at

    def is_revoked(self) -> bool:
        return self.revoked_at is not None

    def get_client(self) -> BearerClient:
        return self.client

    def get_user(self) -> GrantUser:
        return self.user


# The columns read before the user's, in the order split_rows cuts them.
_TOKEN_FIELDS = ("scope", "expires_at", "revoked_at")
_CLIENT_FIELDS = ("client_id", "post_logout_redirect_uris")
_WIDTHS = (len(_TOKEN_FIELDS), len(IMPERSONATED_COLUMNS), len(_CLIENT_FIELDS))


@cache
def _by_access_token():
    # One round trip, rows instead of entities: building ORM objects cost more CPU than the query.
    t, c = Token.__table__.c, Client.__table__.c
    token_client_user = Token.__table__.join(Client.__table__, t.client_id == c.id).join(
        User.__table__, t.user_id == User.__table__.c.id
    )
    columns = (
        *(getattr(t, name) for name in (*_TOKEN_FIELDS, *IMPERSONATED_COLUMNS)),
        *(getattr(c, name) for name in _CLIENT_FIELDS),
    )
    statement = select(*columns, *USER_COLUMNS).where(t.access_token_hash == bindparam("digest"))
    return with_orgs_claim(statement, token_client_user, t.user_id)


def bearer_grant(token: str) -> BearerGrant | None:
    """The stored access token this bearer value is, with its client and user; None if unknown."""
    rows = single_statements.rows(_by_access_token(), {"digest": hash_credential(token)})
    if not rows:
        return None
    ((scope, expires_at, revoked_at), impersonation, (client_id, logout_uris)), user = split_rows(rows, *_WIDTHS)
    return BearerGrant(
        scope=scope,
        expires_at=expires_at,
        revoked_at=revoked_at,
        client=BearerClient(client_id, client_metadata(logout_uris)),
        user=user,
        impersonation=impersonation_of(*impersonation),
    )
