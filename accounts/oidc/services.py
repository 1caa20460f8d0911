"""Grant bookkeeping: store codes and tokens, spend them once, revoke them by family, session or client.

Plain functions over the database; no request object. Every "use once" step is a conditional UPDATE,
so two racing requests cannot both succeed.
"""

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache

from sqlalchemy import bindparam, delete, insert, select, update
from sqlalchemy.orm import joinedload

from ..extensions import db
from . import single_statements
from .code_grants import CodeGrant
from .credentials import hash_credential
from .impersonation import Impersonation, capped
from .models import AuthorizationCode, Client, ClientSession, Token, impersonation_columns
from .refresh_grants import RefreshGrant


@dataclass(frozen=True)
class SignedInSession:
    """Who approved an authorization request, in which Accounts session, how and when they authenticated.

    While an admin impersonates the user, `impersonation` names the admin: everything issued carries it.
    """

    user_id: int
    sid: str
    auth_time: int
    amr: list[str]
    impersonation: Impersonation | None = None


@cache
def _insert(table):
    # The columns come with the parameters; the statement is built once per table.
    return insert(table)


def new_family_id() -> str:
    """A fresh grant family: a code and every token descending from it."""
    return secrets.token_hex(16)


def store_code(
    code: str,
    *,
    client: Client,
    signed_in: SignedInSession,
    redirect_uri: str,
    scope: str,
    nonce: str | None,
    code_challenge: str | None,
    code_challenge_method: str | None,
    now: datetime,
    lifetime: int,
) -> None:
    """Save a new authorization code (its hash) with everything the token request will need."""
    values = dict(
        code_hash=hash_credential(code),
        client_id=client.id,
        user_id=signed_in.user_id,
        redirect_uri=redirect_uri,
        scope=scope,
        nonce=nonce,
        code_challenge=code_challenge,
        code_challenge_method=code_challenge_method,
        auth_time=signed_in.auth_time,
        amr=list(signed_in.amr),
        sid=signed_in.sid,
        family_id=new_family_id(),
        created_at=now,
        expires_at=capped(now + timedelta(seconds=lifetime), signed_in.impersonation),
        **impersonation_columns(signed_in.impersonation),
    )
    # A Core INSERT: the ORM's unit of work for one new row cost more CPU than the statement; nothing reads it back.
    db.session.execute(_insert(AuthorizationCode.__table__), values)
    db.session.commit()


def find_code(row: CodeGrant | None, client, now: datetime) -> CodeGrant | None:
    """The presented code (read by code_grant) if this client may redeem it; a used one means replay."""
    if row is None or row.client.id != client.id:
        return None
    if row.used_at is not None:
        # RFC 6749 §4.1.2: a code used twice was stolen; revoke what it issued.
        revoke_family(row.family_id, now)
        return None
    if now >= row.expires_at:
        return None
    return row


@dataclass(frozen=True)
class Issued:
    """The rows a token response adds: the token (hashes only), and the client session if this is its first token.

    Staged by save_token, written by redeem_code / rotate_refresh_token with the spend of their source in one
    atomic step, so a stored token always means a spent source.
    """

    token: dict
    client_session: dict | None = None


def issued_rows(
    token: dict,
    *,
    client: Client,
    user_id: int,
    sid: str,
    family_id: str,
    now: datetime,
    refresh_expires_at: datetime | None,
    impersonation: Impersonation | None,
    first_of_session: bool,
) -> Issued:
    """The rows of a token response in its grant family; none of it outlives an impersonation.

    first_of_session: this client holds no tokens from this Accounts session yet (back-channel logout must know).
    """
    refresh = token.get("refresh_token")
    row = dict(
        client_id=client.id,
        user_id=user_id,
        sid=sid,
        family_id=family_id,
        scope=token.get("scope", ""),
        access_token_hash=hash_credential(token["access_token"]),
        refresh_token_hash=hash_credential(refresh) if refresh else None,
        issued_at=now,
        expires_at=capped(now + timedelta(seconds=token["expires_in"]), impersonation),
        refresh_expires_at=capped(refresh_expires_at, impersonation) if refresh else None,
        **impersonation_columns(impersonation),
    )
    session = dict(client_id=client.id, sid=sid, user_id=user_id, created_at=now) if first_of_session else None
    return Issued(row, session)


def redeem_code(code: CodeGrant, issued: Issued, now: datetime) -> bool:
    """Mark the code used and store what it issued; False if another request spent it first.

    The caller then revokes the family, the token stored here with it.
    """
    return _spend_and_store(_spend(AuthorizationCode.__table__, "used_at"), {"row_id": code.id, "now": now}, issued)


def rotate_refresh_token(token: RefreshGrant, issued: Issued, now: datetime) -> bool:
    """Mark the refresh token rotated and store its successor; False if a concurrent request rotated it already."""
    return _spend_and_store(_spend(Token.__table__, "refresh_used_at"), {"row_id": token.id, "now": now}, issued)


@cache
def _spend(table, used: str):
    # A Core UPDATE, conditional on `used` being empty: of two racing requests one updates the row, the other none.
    # (The ORM's bulk-update machinery, session synchronisation, cost more than the statement.)
    columns = table.c
    return (
        update(table).where(columns.id == bindparam("row_id"), columns[used].is_(None)).values({used: bindparam("now")})
    )


def _spend_and_store(spend, params: dict, issued: Issued) -> bool:
    """The conditional spend and the inserts of what it issued, atomically: True if this request spent it."""
    rows = [(Token.__table__, issued.token)]
    if issued.client_session is not None:
        rows.append((ClientSession.__table__, issued.client_session))
    if db.engine.dialect.name == "postgresql":
        # One statement, the inserts as data-modifying CTEs (atomic on its own): two round trips per token
        # request instead of five with BEGIN and COMMIT. SQLite cannot express it, and in process has none to save.
        statement = _spend_with_inserts(spend, tuple((table, tuple(values)) for table, values in rows))
        values = {f"{table.name}_{name}": value for table, row in rows for name, value in row.items()}
        return single_statements.committed(statement, {**params, **values}) == 1
    for table, values in rows:
        db.session.execute(_insert(table), values)
    spent = db.session.execute(spend, params).rowcount == 1
    db.session.commit()
    return spent


@cache
def _spend_with_inserts(spend, rows: tuple):
    # Built once per shape (impersonated or not, first token of the session or not), parameters bound by name.
    ctes = [
        insert(table).values({name: bindparam(f"{table.name}_{name}") for name in names}).cte(f"new_{table.name}")
        for table, names in rows
    ]
    return spend.add_cte(*ctes)


@cache
def _token_by(column: str):
    # One round trip: userinfo, refresh and introspection all read the token's client and user. Built once
    # with a bound parameter: constructing the statement per request cost more CPU than running it.
    return (
        select(Token)
        .options(joinedload(Token.client, innerjoin=True), joinedload(Token.user, innerjoin=True))
        .where(getattr(Token, column) == bindparam("digest"))
    )


def find_access_token(token: str) -> Token | None:
    """The stored token whose access token this is, with its client and user."""
    return db.session.scalar(_token_by("access_token_hash"), {"digest": hash_credential(token)})


def find_refresh_token(token: str) -> Token | None:
    """The stored token whose refresh token this is, with its client and user."""
    return db.session.scalar(_token_by("refresh_token_hash"), {"digest": hash_credential(token)})


def usable_refresh_token(row: RefreshGrant | None, client, now: datetime) -> RefreshGrant | None:
    """The presented refresh token (read by refresh_grant) if it may be exchanged; a spent one revokes its family."""
    if row is None or not row.check_client(client):
        return None
    if row.refresh_used_at is not None:
        # RFC 9700 §4.14.2: a rotated refresh token came back, so one of the two holders is a thief.
        revoke_family(row.family_id, now)
        return None
    return row if row.refresh_usable(now) else None


def _revoke(condition, now: datetime) -> int:
    result = db.session.execute(update(Token).where(condition, Token.revoked_at.is_(None)).values(revoked_at=now))
    db.session.commit()
    return result.rowcount


def revoke_family(family_id: str, now: datetime) -> int:
    """Revoke every token of a grant family (code replay, refresh reuse, refresh token revoked)."""
    return _revoke(Token.family_id == family_id, now)


def revoke_token(token: Token, now: datetime) -> int:
    """Revoke one token response (its access token and refresh token)."""
    return _revoke(Token.id == token.id, now)


def revoke_session_tokens(sid: str, now: datetime) -> int:
    """Revoke every token granted in an Accounts session that has ended (SPEC §2.5)."""
    return _revoke(Token.sid == sid, now)


def revoke_client_tokens(user_id: int, client_id: int, now: datetime) -> int:
    """Revoke every token a client holds for a user (consent withdrawn)."""
    return _revoke((Token.user_id == user_id) & (Token.client_id == client_id), now)


def revoke_user_tokens(user_id: int, now: datetime) -> int:
    """Revoke every token and spend every unused code of a user (ban); the caller commits."""
    # A code still in flight would otherwise be exchanged for fresh tokens after the ban.
    db.session.execute(
        update(AuthorizationCode)
        .where(AuthorizationCode.user_id == user_id, AuthorizationCode.used_at.is_(None))
        .values(used_at=now)
    )
    result = db.session.execute(
        update(Token).where(Token.user_id == user_id, Token.revoked_at.is_(None)).values(revoked_at=now)
    )
    return result.rowcount


def forget_client_sessions(sid: str) -> None:
    """Drop the session's client records: each client is logged out of a session once."""
    db.session.execute(delete(ClientSession).where(ClientSession.sid == sid))
    db.session.commit()


def purge_spent(now: datetime, keep_for: timedelta) -> tuple[int, int]:
    """Delete codes and tokens that can no longer be used; return how many of each.

    Used codes and spent refresh tokens are kept as long as a token of their family could live:
    replay detection (RFC 6749 §4.1.2, RFC 9700 §4.14.2) needs them until then.
    """
    codes = db.session.execute(delete(AuthorizationCode).where(AuthorizationCode.created_at < now - keep_for))
    tokens = db.session.execute(
        delete(Token).where(
            ((Token.refresh_expires_at.is_not(None)) & (Token.refresh_expires_at < now))
            | ((Token.refresh_expires_at.is_(None)) & (Token.expires_at < now - keep_for))
        )
    )
    db.session.commit()
    return codes.rowcount, tokens.rowcount
