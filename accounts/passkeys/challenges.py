"""Server-side WebAuthn challenges: random, tied to one purpose (and user), spent on first use, expiring.

Callers commit.
"""

import secrets
from datetime import datetime, timedelta

from sqlalchemy import delete
from webauthn.helpers import base64url_to_bytes

from ..extensions import db
from .ceremonies import PasskeyError, encode
from .models import PasskeyChallenge

# WebAuthn §13.4.3: at least 16 random bytes; 32 leaves no doubt.
CHALLENGE_BYTES = 32
CHALLENGE_LIFETIME = timedelta(minutes=5)


def issue(purpose: str, *, user_id: int | None, now: datetime) -> bytes:
    """A fresh challenge for one ceremony, stored until it is spent or expires (expired ones are swept here)."""
    db.session.execute(delete(PasskeyChallenge).where(PasskeyChallenge.expires_at <= now))
    raw = secrets.token_bytes(CHALLENGE_BYTES)
    db.session.add(
        PasskeyChallenge(challenge=encode(raw), purpose=purpose, user_id=user_id, expires_at=now + CHALLENGE_LIFETIME)
    )
    return raw


def spend(challenge: str | None, purpose: str, *, user_id: int | None, now: datetime) -> bytes:
    """The challenge this browser was given, deleted so it can never be answered twice; PasskeyError if gone."""
    if not isinstance(challenge, str) or not challenge:
        raise PasskeyError("Start again: no passkey request is waiting.")
    spent = db.session.execute(
        delete(PasskeyChallenge)
        .where(
            PasskeyChallenge.challenge == challenge,
            PasskeyChallenge.purpose == purpose,
            PasskeyChallenge.user_id.is_(None) if user_id is None else PasskeyChallenge.user_id == user_id,
            PasskeyChallenge.expires_at > now,
        )
        .returning(PasskeyChallenge.challenge)
    ).scalar_one_or_none()
    if spent is None:
        raise PasskeyError("That passkey request expired or was already used. Please try again.")
    return base64url_to_bytes(spent)
