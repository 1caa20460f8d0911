"""Single-use, expiring tokens for emailed links; only a hash is stored. Callers commit."""

import secrets
from datetime import datetime, timedelta

from sqlalchemy import delete, select, update

from common.server_session import hash_token

from ..extensions import db
from .models import EmailToken, User

VERIFY_EMAIL = "verify-email"
RESET_PASSWORD = "reset-password"  # noqa: S105 (a token purpose, not a password)


def issue_token(user: User, purpose: str, lifetime: timedelta, now: datetime) -> str:
    """Create a token for the user; return the raw value for the link."""
    raw = secrets.token_urlsafe(32)
    db.session.add(
        EmailToken(
            token_hash=hash_token(raw),
            purpose=purpose,
            user_id=user.id,
            email=user.email,
            created_at=now,
            expires_at=now + lifetime,
        )
    )
    return raw


def peek_token(raw: str, purpose: str, now: datetime) -> EmailToken | None:
    """The live token for this raw value, without using it up."""
    if not raw or len(raw) > 128:
        return None
    token = db.session.scalar(
        select(EmailToken).where(EmailToken.token_hash == hash_token(raw), EmailToken.purpose == purpose)
    )
    if token is None or token.used_at is not None or now >= token.expires_at:
        return None
    return token


def consume_token(raw: str, purpose: str, now: datetime) -> EmailToken | None:
    """Use up a live token; None if unknown, used, expired, or used by a concurrent request."""
    token = peek_token(raw, purpose, now)
    if token is None:
        return None
    # A conditional UPDATE makes "single-use" hold even when two requests race.
    claimed = db.session.execute(
        update(EmailToken).where(EmailToken.id == token.id, EmailToken.used_at.is_(None)).values(used_at=now)
    )
    if claimed.rowcount != 1:
        db.session.rollback()
        return None
    return token


def revoke_tokens(user_id: int, purpose: str, now: datetime) -> None:
    """Use up every outstanding token of a purpose (older reset links die with a new password)."""
    db.session.execute(
        update(EmailToken)
        .where(EmailToken.user_id == user_id, EmailToken.purpose == purpose, EmailToken.used_at.is_(None))
        .values(used_at=now)
    )


def purge_expired_tokens(now: datetime) -> int:
    """Delete emailed-link tokens past their expiry (used or not: neither can work again)."""
    return db.session.execute(delete(EmailToken).where(EmailToken.expires_at < now)).rowcount
