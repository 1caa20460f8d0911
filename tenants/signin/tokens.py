"""Token sets at the tenant: store them, and refresh the access token once per session at a time."""

import secrets
import time
from datetime import datetime, timedelta

from sqlalchemy import delete, or_, update

from common.clock import utc_from_timestamp, utcnow

from ..extensions import db
from .models import TokenSet

# Refresh this long before expiry, so a token never expires between our check and its use.
REFRESH_MARGIN = timedelta(seconds=30)
# How long one refresh may hold the lock; a crashed refresher frees it after this.
LOCK_TIME = timedelta(seconds=10)
WAIT_STEP_SECONDS = 0.05


class RefreshFailed(Exception):
    """The provider refused to refresh: the local session must end."""


class RefreshUnavailable(Exception):
    """The provider could not be reached: nothing was refused, the tokens stay for the next try."""


class NeedsReauthentication(Exception):
    """The access token is expiring and no refresh token was issued: sign in again, silently (prompt=none)."""


def expiry_of(token: dict, now: datetime) -> datetime:
    """When an access token from a token response expires."""
    if token.get("expires_at"):
        return utc_from_timestamp(int(token["expires_at"]))
    return now + timedelta(seconds=int(token.get("expires_in", 300)))


def store_token_set(site: str, iss: str, sub: str, op_sid: str | None, token: dict, now: datetime) -> str:
    """Keep the tokens of a fresh sign-in; return the id the session refers to them by."""
    token_set = TokenSet(
        id=secrets.token_urlsafe(32),
        site=site,
        iss=iss,
        sub=sub,
        op_sid=op_sid,
        access_token=token["access_token"],
        access_expires_at=expiry_of(token, now),
        refresh_token=token.get("refresh_token"),
        id_token=token["id_token"],
        updated_at=now,
    )
    db.session.add(token_set)
    db.session.commit()
    return token_set.id


def get_token_set(token_set_id: str, site: str) -> TokenSet | None:
    """The token set of this site with that id (no query when the session row brought it along)."""
    row = db.session.get(TokenSet, token_set_id)
    return row if row is not None and row.site == site else None


def fresh_access_token(
    token_set_id: str, site: str, refresh, *, now_fn=utcnow, wait_seconds: float = 5.0, preloaded=None
) -> str:
    """A valid access token, refreshing it if needed; `refresh(refresh_token)` calls the provider.

    Concurrent requests of one session must not both use the same refresh token: the provider
    rotates refresh tokens and treats a second use as theft (RFC 9700 §4.14.2). So exactly one
    request claims the refresh with a conditional UPDATE; the others wait for its result.
    preloaded: the token set as this transaction just read it with the session row (no second query).
    """
    deadline = time.monotonic() + wait_seconds
    if preloaded is not None and preloaded.id == token_set_id and preloaded.site == site:
        # What get would read in this transaction; a refresh is claimed only while this refresh token is current.
        row = preloaded
    else:
        row = get_token_set(token_set_id, site)
    while True:
        if row is None:
            raise RefreshFailed("the session's tokens are gone")
        now = now_fn()
        if row.access_expires_at - now > REFRESH_MARGIN:
            return row.access_token
        if not row.refresh_token:
            # OIDC Core §11: many providers issue none without prompt=consent; that is not a sign-out.
            raise NeedsReauthentication("access token expiring and no refresh token was issued")
        if _claim_refresh(row, now):
            return _refresh(row, refresh, now)
        if time.monotonic() > deadline:
            raise RefreshFailed("another request is still refreshing")
        time.sleep(WAIT_STEP_SECONDS)
        # Another request holds the refresh: read what it has written by now.
        db.session.expire_all()
        row = get_token_set(token_set_id, site)


def _claim_refresh(row: TokenSet, now: datetime) -> bool:
    claimed = db.session.execute(
        update(TokenSet)
        .where(
            TokenSet.id == row.id,
            TokenSet.refresh_token == row.refresh_token,
            or_(TokenSet.refresh_lock_until.is_(None), TokenSet.refresh_lock_until < now),
        )
        .values(refresh_lock_until=now + LOCK_TIME)
    )
    db.session.commit()
    return claimed.rowcount == 1


def _refresh(row: TokenSet, refresh, now: datetime) -> str:
    try:
        token = refresh(row.refresh_token)
    except RefreshUnavailable:
        # An outage is not a sign-out (SPEC §3.1): release the claim, and use the token while it still lives.
        db.session.execute(update(TokenSet).where(TokenSet.id == row.id).values(refresh_lock_until=None))
        db.session.commit()
        if row.access_expires_at > now:
            return row.access_token
        raise
    except Exception as error:
        db.session.execute(delete(TokenSet).where(TokenSet.id == row.id))
        db.session.commit()
        raise RefreshFailed(str(error)) from error
    db.session.execute(
        update(TokenSet)
        .where(TokenSet.id == row.id)
        .values(
            access_token=token["access_token"],
            access_expires_at=expiry_of(token, now),
            # RFC 6749 §6: the provider may or may not issue a new refresh token.
            refresh_token=token.get("refresh_token") or row.refresh_token,
            id_token=token.get("id_token") or row.id_token,
            refresh_lock_until=None,
            updated_at=now,
        )
    )
    db.session.commit()
    return token["access_token"]


def drop_token_sets(
    site: str,
    *,
    token_set_id: str | None = None,
    iss: str | None = None,
    sub: str | None = None,
    op_sid: str | None = None,
    commit: bool = True,
):
    """Forget tokens: one set, or every set of a user or of a provider session (of issuer iss)."""
    if token_set_id is None and sub is None and op_sid is None:
        raise ValueError("name the token set, the user or the provider session")
    if token_set_id is None and iss is None:
        raise ValueError("a user or provider session is named by its issuer too")
    query = delete(TokenSet).where(TokenSet.site == site)
    if iss is not None:
        query = query.where(TokenSet.iss == iss)
    if token_set_id is not None:
        query = query.where(TokenSet.id == token_set_id)
    if op_sid is not None:
        query = query.where(TokenSet.op_sid == op_sid)
    if sub is not None:
        query = query.where(TokenSet.sub == sub)
    db.session.execute(query)
    if commit:
        db.session.commit()
