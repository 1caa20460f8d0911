"""Delivering one outbox row: lease it, sign it afresh, POST it, record the outcome or the next attempt.

A job of the runner: it commits its own work (a delivery is its own unit, after the change's commit).
"""

import logging
import time
from datetime import datetime, timedelta

import requests
from flask import current_app
from sqlalchemy import select, update

from common.clock import utcnow
from common.metrics import count_backchannel

from ..extensions import db
from ..oidc import config
from ..oidc.backchannel import logout_token
from ..oidc.tokens import current_signing_keyset
from ..orgs.claims import orgs_claim
from . import tokens
from .models import KIND_LOGOUT, OutboxEvent

log = logging.getLogger(__name__)

# Seconds before attempt 2, 3, …; after the last the row is failed (an admin sees it). About a day in all.
BACKOFF = (5, 30, 120, 600, 1800, 3600, 3 * 3600, 6 * 3600, 12 * 3600)
LEASE = timedelta(seconds=30)
SET_CONTENT_TYPE = "application/secevent+jwt"


def backoff(attempts: int) -> timedelta | None:
    """How long to wait after `attempts` failed attempts; None once they are used up."""
    if attempts > len(BACKOFF):
        return None
    return timedelta(seconds=BACKOFF[attempts - 1])


def due_ids(now: datetime, limit: int = 100) -> list[int]:
    """Rows to attempt now: neither delivered nor failed, their next attempt due, oldest first."""
    return list(
        db.session.scalars(
            select(OutboxEvent.id)
            .where(
                OutboxEvent.delivered_at.is_(None),
                OutboxEvent.failed_at.is_(None),
                OutboxEvent.next_attempt_at <= now,
            )
            .order_by(OutboxEvent.id)
            .limit(limit)
        )
    )


def _lease(event_id: int, now: datetime) -> OutboxEvent | None:
    """Take the row for this attempt (a conditional UPDATE), or None when it is done or another worker holds it."""
    taken = db.session.execute(
        update(OutboxEvent)
        .where(
            OutboxEvent.id == event_id,
            OutboxEvent.delivered_at.is_(None),
            OutboxEvent.failed_at.is_(None),
            (OutboxEvent.leased_until.is_(None)) | (OutboxEvent.leased_until < now),
        )
        .values(leased_until=now + LEASE)
        .execution_options(synchronize_session=False)
    ).rowcount
    db.session.commit()
    return db.session.get(OutboxEvent, event_id, populate_existing=True) if taken else None


def _set_payload(row: OutboxEvent) -> dict:
    """The event as sent: a claims change carries the orgs claim as it is now (a retry never sends a stale one)."""
    if row.event != tokens.CLAIMS_CHANGED:
        return dict(row.payload)
    claims = {"orgs": orgs_claim(row.user_id)} if "orgs" in row.client.scope.split() else {}
    return dict(row.payload) | {"claims": claims}


def request_for(row: OutboxEvent, now: int) -> tuple[str, dict]:
    """(uri, requests keyword arguments) for one attempt, signed now under the row's jti."""
    keyset = current_signing_keyset()
    if row.kind == KIND_LOGOUT:
        token = logout_token(
            issuer=config.issuer(),
            client_id=row.client.client_id,
            sub=row.sub,
            sid=row.sid,
            keyset=keyset,
            now=now,
            lifetime=config.seconds("LOGOUT_TOKEN"),
            jti=row.jti,
        )
        return row.client.backchannel_logout_uri, {"data": {"logout_token": token}}
    token = tokens.security_event_token(
        issuer=config.issuer(),
        audience=row.client.client_id,
        jti=row.jti,
        subject=tokens.subject_id(config.issuer(), row.sub, row.sid),
        event=row.event,
        payload=_set_payload(row),
        keyset=keyset,
        now=now,
    )
    # RFC 8935 §2: the SET is the body, typed application/secevent+jwt.
    return row.client.security_events_uri, {"data": token, "headers": {"Content-Type": SET_CONTENT_TYPE}}


def post(uri: str, timeout: float, **kwargs) -> requests.Response:
    """One POST, redirects not followed (a push endpoint that moves is misconfigured, not followed blindly)."""
    return requests.post(uri, timeout=timeout, allow_redirects=False, **kwargs)


def _refusal(response: requests.Response) -> str:
    """RFC 8935 §2.3 error JSON as one line (or the status alone)."""
    try:
        body = response.json()
    except ValueError:
        return f"HTTP {response.status_code}"
    if isinstance(body, dict):
        err = body.get("err") or body.get("error")
        return f"HTTP {response.status_code} {err}: {body.get('description') or body.get('error_description') or ''}"
    return f"HTTP {response.status_code}"


def _outcome(row: OutboxEvent, timeout: float) -> tuple[str, str | None]:
    """("delivered" | "refused" | "retry", error) of one attempt."""
    uri, kwargs = request_for(row, int(time.time()))
    if not uri:
        return "refused", "the client has no endpoint for it any more"
    try:
        response = post(uri, timeout, **kwargs)
    except requests.RequestException as error:
        return "retry", type(error).__name__
    # RFC 8935 §2.2: 202 accepted (BCL §2.8: 200, or 204 from some frameworks).
    if response.status_code in ((200, 204) if row.kind == KIND_LOGOUT else (200, 202)):
        return "delivered", None
    # RFC 8935 §2.3: 400 is the receiver's verdict on this SET; sending it again cannot change it.
    if response.status_code == 400:
        return "refused", _refusal(response)
    return "retry", _refusal(response)


def deliver(event_id: int, now: datetime | None = None) -> str:
    """Attempt one row once: "delivered", "failed", "pending" (retry scheduled) or "skipped" (done or held)."""
    now = now or utcnow()
    row = _lease(event_id, now)
    if row is None:
        return "skipped"
    outcome, error = _outcome(row, current_app.config["OIDC_BACKCHANNEL_TIMEOUT"])
    row.attempts += 1
    row.leased_until = None
    row.last_error = error
    if outcome == "delivered":
        row.delivered_at = now
    elif outcome == "refused" or backoff(row.attempts) is None:
        row.failed_at = now
    else:
        row.next_attempt_at = now + backoff(row.attempts)
    if row.kind == KIND_LOGOUT:
        count_backchannel(delivered=outcome == "delivered")
    if outcome != "delivered":
        log.warning("Delivery of %s %s to %s: %s", row.kind, row.event, row.client.client_id, error)
    status = row.status
    db.session.commit()
    return status


def deliver_due(now: datetime | None = None) -> dict[int, str]:
    """Attempt every due row once, in order; their outcomes by id."""
    now = now or utcnow()
    return {event_id: deliver(event_id, now) for event_id in due_ids(now)}
