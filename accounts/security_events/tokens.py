"""Security Event Tokens (RFC 8417) as Accounts signs them: the event types it emits and the SET itself."""

import secrets

from joserfc import jwt
from joserfc.jwk import KeySet

CAEP = "https://schemas.openid.net/secevent/caep/event-type/"
RISC = "https://schemas.openid.net/secevent/risc/event-type/"
# OpenID CAEP 1.0 §3.2: the user's claims changed; the event carries the new value (here the orgs claim).
CLAIMS_CHANGED = CAEP + "token-claims-change"
# CAEP §3.1: a session was revoked (by the user or an admin).
SESSION_REVOKED = CAEP + "session-revoked"
# CAEP §3.3: a password or second factor changed.
CREDENTIAL_CHANGED = CAEP + "credential-change"
# RISC 1.0 §2.3: the account was disabled (an admin banned it).
ACCOUNT_DISABLED = RISC + "account-disabled"
EVENT_TYPES = (CLAIMS_CHANGED, SESSION_REVOKED, CREDENTIAL_CHANGED, ACCOUNT_DISABLED)


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
