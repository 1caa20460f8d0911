"""Security Event Tokens (RFC 8417) as Accounts signs them (the event types are in common/security_event_types.py)."""

import secrets

from joserfc import jwt
from joserfc.jwk import KeySet


def new_jti() -> str:
    """A SET's unique id: every delivery attempt of one event carries it, so the receiver applies it once."""
    return secrets.token_urlsafe(16)


def subject_id(issuer: str, sub: str, sid: str | None = None) -> dict:
    """RFC 9493 subject identifier: iss_sub, or complex with the provider session when one session is meant."""
    user = {"format": "iss_sub", "iss": issuer, "sub": sub}
    if sid is None:
        return user
    return {"format": "complex", "user": user, "session": {"format": "opaque", "id": sid}}


def security_event_token(
    *, issuer: str, audience: str, jti: str, subject: dict, event: str, payload: dict, keyset: KeySet, now: int
) -> str:
    """A SET: typ secevent+jwt, one event, no exp (RFC 8417 §2.2: a SET states a fact, it grants nothing)."""
    claims = {
        "iss": issuer,
        "aud": audience,
        "iat": now,
        "jti": jti,
        "sub_id": subject,
        "events": {event: payload},
    }
    # RFC 8417 §2.3 and RFC 8725 §3.11: an explicit type, so a SET can never pass for an ID or access token.
    return jwt.encode({"alg": "RS256", "typ": "secevent+jwt"}, claims, keyset)
