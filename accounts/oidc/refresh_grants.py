"""A refresh token as the token endpoint reads it: one Core statement with its client, user and orgs claim."""

from dataclasses import dataclass
from datetime import datetime
from functools import cache

from sqlalchemy import bindparam, select

from ..identity.models import User
from . import single_statements
from .client_rows import CLIENT_COLUMNS, RegisteredClient
from .credentials import hash_credential
from .grant_rows import USER_COLUMNS, GrantUser, split_rows, with_orgs_claim
from .impersonation import Impersonation
from .models import IMPERSONATED_COLUMNS, Client, RefreshRules, Token, impersonation_of

# The oauth_tokens columns of a RefreshGrant, in its field order.
_TOKEN_FIELDS = ("id", "sid", "family_id", "scope", "refresh_token_hash", "refresh_expires_at", "refresh_used_at")
_TOKEN_FIELDS += ("revoked_at",)
# The column groups before the user's, as split_rows cuts them.
_WIDTHS = (len(_TOKEN_FIELDS), len(IMPERSONATED_COLUMNS), len(CLIENT_COLUMNS))


@dataclass(frozen=True)
class RefreshGrant(RefreshRules):
    """A stored refresh token with its client and user (and the user's orgs claim), as the refresh grant uses it."""

    id: int
    sid: str
    family_id: str
    scope: str
    refresh_token_hash: str | None
    refresh_expires_at: datetime | None
    refresh_used_at: datetime | None
    revoked_at: datetime | None
    impersonation: Impersonation | None
    client: RegisteredClient
    user: GrantUser

    def check_client(self, client) -> bool:
        return self.client.id == client.id

    def get_scope(self) -> str:
        return self.scope


@cache
def _by_refresh_token():
    # One round trip instead of three (client, token with user, orgs claim), rows instead of entities.
    t = Token.__table__.c
    joined = Token.__table__.join(Client.__table__, t.client_id == Client.__table__.c.id).join(
        User.__table__, t.user_id == User.__table__.c.id
    )
    token_columns = [getattr(t, name) for name in (*_TOKEN_FIELDS, *IMPERSONATED_COLUMNS)]
    statement = select(*token_columns, *CLIENT_COLUMNS, *USER_COLUMNS).where(
        t.refresh_token_hash == bindparam("digest")
    )
    return with_orgs_claim(statement, joined, t.user_id)


def refresh_grant(token: str) -> RefreshGrant | None:
    """The stored token whose refresh token this is, with its client, user and orgs claim; None if unknown."""
    rows = single_statements.rows(_by_refresh_token(), {"digest": hash_credential(token)})
    if not rows:
        return None
    (token, impersonation, client), user = split_rows(rows, *_WIDTHS)
    return RefreshGrant(
        *token, impersonation=impersonation_of(*impersonation), client=RegisteredClient(*client), user=user
    )
