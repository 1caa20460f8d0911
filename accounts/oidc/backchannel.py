"""OpenID Back-Channel Logout 1.0, sending side: when an Accounts session ends, every client that got
tokens in it receives a signed logout token, and the session's tokens are revoked.

The logouts go through the security-event outbox (security_events/): staged when the session ends,
delivered by the job runner, retried with backoff. Without Redis they run in-process, in parallel
with short timeouts under one overall deadline, so a slow or dead client never holds up the user's
sign-out by more than about two seconds; failures are logged.
"""

import logging
import secrets
from dataclasses import dataclass
from functools import partial

import requests
from joserfc import jwt
from joserfc.jwk import KeySet

from common.clock import utcnow
from common.metrics import count_backchannel
from common.parallel import TIMED_OUT, run_all

from ..security_events import outbox
from . import services

log = logging.getLogger(__name__)

LOGOUT_EVENT = "http://schemas.openid.net/event/backchannel-logout"


@dataclass(frozen=True)
class Delivery:
    """One logout token on its way to one client."""

    client_id: str
    uri: str
    logout_token: str


def logout_token(
    *, issuer: str, client_id: str, sub: str, sid: str, keyset: KeySet, now: int, lifetime: int, jti: str | None = None
) -> str:
    """A logout token (Back-Channel Logout §2.4): typ logout+jwt, the logout event, sub and sid, never a nonce."""
    claims = {
        "iss": issuer,
        "aud": client_id,
        "iat": now,
        "exp": now + lifetime,
        # §2.4: a unique jti lets the client refuse a replayed logout token.
        "jti": jti or secrets.token_urlsafe(16),
        "sub": sub,
        "sid": sid,
        "events": {LOGOUT_EVENT: {}},
    }
    # §2.4 and RFC 8725 §3.11: an explicit type, so a logout token can never pass for an ID token.
    return jwt.encode({"alg": "RS256", "typ": "logout+jwt"}, claims, keyset)


def post_logout_token(uri: str, token: str, timeout: float) -> int:
    """POST the token form-encoded (§2.5) and return the HTTP status; redirects are not followed."""
    response = requests.post(uri, data={"logout_token": token}, timeout=timeout, allow_redirects=False)
    return response.status_code


def send(delivery: Delivery, timeout: float) -> str:
    """POST one logout token; "delivered", or "failed: …" saying why."""
    try:
        status = post_logout_token(delivery.uri, delivery.logout_token, timeout)
    except requests.RequestException as error:
        return f"failed: {type(error).__name__}"
    # §2.8: the client answers 200 (some frameworks turn an empty 200 into 204).
    return "delivered" if status in (200, 204) else f"failed: HTTP {status}"


def deliver(deliveries: list[Delivery], *, timeout: float, deadline: float) -> dict[str, str]:
    """Send logout tokens at once; wait at most `deadline` seconds in total. Outcome per client_id (logged)."""
    results = run_all(
        {d.client_id: partial(send, d, timeout) for d in deliveries}, deadline=deadline, name="backchannel"
    )
    outcomes = {}
    for delivery in deliveries:
        outcome = results[delivery.client_id]
        outcomes[delivery.client_id] = "timed out" if outcome is TIMED_OUT else outcome
        log_outcome(delivery.client_id, delivery.uri, outcomes[delivery.client_id])
    return outcomes


def log_outcome(client_id: str, uri: str, outcome: str) -> None:
    """Count the delivery; log it unless it was delivered (never with the token)."""
    count_backchannel(outcome == "delivered")
    if outcome != "delivered":
        log.warning("Back-channel logout to client %s at %s: %s", client_id, uri, outcome)


def on_session_ended(sender, *, sid: str, user_id: int, reason: str) -> None:
    """session_ended receiver: revoke the session's tokens, then put a logout for each of its clients in the outbox.

    The job runner delivers them once forget_client_sessions commits (in-process without Redis, within
    OIDC_BACKCHANNEL_DEADLINE; by the worker with it, so the sign-out never waits for a client).
    """
    now = utcnow()
    services.revoke_session_tokens(sid, now)
    outbox.logout(user_id, sid, now)
    services.forget_client_sessions(sid)
