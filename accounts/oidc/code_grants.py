"""An authorization code as the token endpoint reads it: one Core statement with its client, user and orgs claim."""

from dataclasses import dataclass
from datetime import datetime
from functools import cache

from sqlalchemy import and_, bindparam, select

from ..identity.models import User
from . import single_statements
from .client_rows import CLIENT_COLUMNS, RegisteredClient
from .credentials import hash_credential
from .grant_rows import USER_COLUMNS, GrantUser, split_rows, with_orgs_claim
from .impersonation import Impersonation
from .models import IMPERSONATED_COLUMNS, AuthorizationCode, Client, ClientSession, CodeRules, impersonation_of

# The oauth_codes columns of a CodeGrant, in its field order.
_CODE_FIELDS = ("id", "redirect_uri", "scope", "nonce", "code_challenge", "code_challenge_method", "auth_time")
_CODE_FIELDS += ("amr", "sid", "family_id", "expires_at", "used_at")
# The column groups before the user's, as split_rows cuts them (1: the client-session record's id).
_WIDTHS = (len(_CODE_FIELDS), len(IMPERSONATED_COLUMNS), 1, len(CLIENT_COLUMNS))


@dataclass(frozen=True)
class CodeGrant(CodeRules):
    """A stored authorization code with its client and user (and the user's orgs claim), as the code grant uses it."""

    id: int
    redirect_uri: str
    scope: str
    nonce: str | None
    code_challenge: str | None
    code_challenge_method: str | None
    auth_time: int
    amr: list
    sid: str
    family_id: str
    expires_at: datetime
    used_at: datetime | None
    impersonation: Impersonation | None
    client_session_recorded: bool  # this client already holds tokens of this Accounts session (back-channel logout)
    client: RegisteredClient
    user: GrantUser


@cache
def _by_code():
    # One round trip instead of four (client, code with user, orgs claim, the session's client record).
    codes, sessions = AuthorizationCode.__table__.c, ClientSession.__table__.c
    joined = (
        AuthorizationCode.__table__.join(Client.__table__, codes.client_id == Client.__table__.c.id)
        .join(User.__table__, codes.user_id == User.__table__.c.id)
        .outerjoin(ClientSession.__table__, and_(sessions.client_id == codes.client_id, sessions.sid == codes.sid))
    )
    code_columns = [getattr(codes, name) for name in (*_CODE_FIELDS, *IMPERSONATED_COLUMNS)]
    statement = select(*code_columns, sessions.id, *CLIENT_COLUMNS, *USER_COLUMNS)
    return with_orgs_claim(statement.where(codes.code_hash == bindparam("digest")), joined, codes.user_id)


def code_grant(code: str) -> CodeGrant | None:
    """The stored code this value is, with its client, user and orgs claim; None if unknown."""
    rows = single_statements.rows(_by_code(), {"digest": hash_credential(code)})
    if not rows:
        return None
    (code, impersonation, (client_session_id,), client), user = split_rows(rows, *_WIDTHS)
    return CodeGrant(
        *code,
        impersonation=impersonation_of(*impersonation),
        client_session_recorded=client_session_id is not None,
        client=RegisteredClient(*client),
        user=user,
    )
