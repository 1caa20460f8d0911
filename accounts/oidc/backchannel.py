"""OpenID Back-Channel Logout 1.0, sending side: when an Accounts session ends, every client that got
tokens in it receives a signed logout token, and the session's tokens are revoked.

Deliveries run in parallel with short timeouts under one overall deadline, so a slow or dead client
never holds up the user's sign-out by more than about two seconds; failures are logged.
"""

import logging
import secrets
import time
from concurrent.futures import ThreadPoolExecutor, wait
from dataclasses import dataclass

import requests
from flask import current_app
from joserfc import jwt
from joserfc.jwk import KeySet

from common.clock import utcnow
from common.metrics import count_backchannel

from ..extensions import db
from ..identity.models import User
from . import config, services
from .claims import subject
from .tokens import current_signing_keyset

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


def _send(delivery: Delivery, timeout: float) -> str:
    try:
        status = post_logout_token(delivery.uri, delivery.logout_token, timeout)
    except requests.RequestException as error:
        count_backchannel(delivered=False)
        return f"failed: {type(error).__name__}"
    # §2.8: the client answers 200 (some frameworks turn an empty 200 into 204).
    delivered = status in (200, 204)
    count_backchannel(delivered)
    return "delivered" if delivered else f"failed: HTTP {status}"


def deliver(deliveries: list[Delivery], *, timeout: float, deadline: float) -> dict[str, str]:
    """Send all logout tokens at once; wait at most `deadline` seconds in total. Outcome per client_id."""
    if not deliveries:
        return {}
    executor = ThreadPoolExecutor(max_workers=min(8, len(deliveries)), thread_name_prefix="backchannel")
    futures = {executor.submit(_send, d, timeout): d for d in deliveries}
    done, _ = wait(futures, timeout=deadline)
    # Stragglers finish (or time out) on their own threads; the user does not wait for them.
    executor.shutdown(wait=False, cancel_futures=True)
    outcomes = {}
    for future, delivery in futures.items():
        outcome = future.result() if future in done else "timed out"
        outcomes[delivery.client_id] = outcome
        if outcome != "delivered":
            log.warning("Back-channel logout to client %s at %s: %s", delivery.client_id, delivery.uri, outcome)
    return outcomes


def logout_deliveries(sid: str, user: User | None) -> list[Delivery]:
    """Logout tokens for every client with a back-channel URI that got tokens in this session."""
    if user is None:
        return []
    keyset = current_signing_keyset()
    now = int(time.time())
    return [
        Delivery(
            client_id=row.client.client_id,
            uri=row.client.backchannel_logout_uri,
            logout_token=logout_token(
                issuer=config.issuer(),
                client_id=row.client.client_id,
                sub=subject(user),
                sid=sid,
                keyset=keyset,
                now=now,
                lifetime=config.seconds("LOGOUT_TOKEN"),
            ),
        )
        for row in services.client_sessions(sid)
        if row.client.backchannel_logout_uri
    ]


def on_session_ended(sender, *, sid: str, user_id: int, reason: str) -> dict[str, str]:
    """session_ended receiver: revoke the session's tokens, then log every client out of it."""
    services.revoke_session_tokens(sid, utcnow())
    deliveries = logout_deliveries(sid, db.session.get(User, user_id))
    services.forget_client_sessions(sid)
    return deliver(
        deliveries,
        timeout=current_app.config["OIDC_BACKCHANNEL_TIMEOUT"],
        deadline=current_app.config["OIDC_BACKCHANNEL_DEADLINE"],
    )
