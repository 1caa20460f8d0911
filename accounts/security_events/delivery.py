"""Delivering one outbox row: lease it, sign it afresh, POST it, record the outcome or the next attempt.

A job of the runner: it commits its own work (a delivery is its own unit, after the change's commit).
"""

import logging
import time
from datetime import datetime, timedelta
from functools import partial

import requests
from flask import current_app
from sqlalchemy import select, update

from common import security_event_types as types
from common.clock import utcnow
from common.parallel import TIMED_OUT, run_all

from ..extensions import db
from ..oidc import backchannel, config
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
    if row.event != types.CLAIMS_CHANGED:
        return dict(row.payload)
    claims = {"orgs": orgs_claim(row.user_id)} if "orgs" in row.client.scope.split() else {}
    return dict(row.payload) | {"claims": claims}


def request_for(row: OutboxEvent, now: int) -> tuple[str, dict]:
    """(uri, requests keyword arguments) for one attempt, signed now under the row's jti."""
    keyset = current_signing_keyset()
    if row.kind == KIND_LOGOUT:
        token = backchannel.logout_token(
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


def _push(uri: str, kwargs: dict, timeout: float) -> tuple[str, str | None]:
    """One RFC 8935 push: ("delivered" | "refused" | "retry", error). Only HTTP here: it may run on a thread."""
    try:
        response = post(uri, timeout, **kwargs)
    except requests.RequestException as error:
        return "retry", type(error).__name__
    # RFC 8935 §2.2: 202 Accepted.
    if response.status_code in (200, 202):
        return "delivered", None
    # RFC 8935 §2.3: 400 is the receiver's verdict on this SET; sending it again cannot change it.
    if response.status_code == 400:
        return "refused", _refusal(response)
    return "retry", _refusal(response)


def _logout(uri: str, kwargs: dict, timeout: float) -> tuple[str, str | None]:
    """One back-channel logout POST (BCL §2.5), through the sender the back-channel module owns."""
    outcome = backchannel.send(backchannel.Delivery("", uri, kwargs["data"]["logout_token"]), timeout)
    if outcome == "delivered":
        return "delivered", None
    # BCL §2.8: 400 means the client refused this logout token; another attempt cannot change that.
    return ("refused" if outcome == "failed: HTTP 400" else "retry"), outcome


def _record(row: OutboxEvent, outcome: str, error: str | None, now: datetime) -> None:
    """Write one attempt's outcome: delivered, failed (refused or attempts used up), or the next attempt."""
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
        backchannel.log_outcome(row.client.client_id, row.client.backchannel_logout_uri or "", error or outcome)
    elif outcome != "delivered":
        log.warning("Security event %s to client %s: %s", row.event, row.client.client_id, error)


def deliver_batch(event_ids: list[int], now: datetime, *, deadline: float) -> dict[int, str]:
    """Attempt each row once, all at once, waiting at most `deadline` seconds; status by id ("skipped" if held).

    Rows are leased, signed and recorded here; only the HTTP calls run on threads. A call still
    running at the deadline counts as a failed attempt and is retried later under the same jti.
    """
    rows = [row for event_id in event_ids if (row := _lease(event_id, now)) is not None]
    timeout = current_app.config["OIDC_BACKCHANNEL_TIMEOUT"]
    calls = {}
    for row in rows:
        uri, kwargs = request_for(row, int(time.time()))
        if not uri:
            calls[row.id] = lambda: ("refused", "the client has no endpoint for it any more")
        else:
            calls[row.id] = partial(_logout if row.kind == KIND_LOGOUT else _push, uri, kwargs, timeout)
    results = run_all(calls, deadline=deadline, name="security-events")
    statuses = {event_id: "skipped" for event_id in event_ids}
    for row in rows:
        result = results[row.id]
        outcome, error = ("retry", "timed out") if result is TIMED_OUT else result
        _record(row, outcome, error, now)
        statuses[row.id] = row.status
    db.session.commit()
    return statuses


def deliver(event_id: int, now: datetime | None = None) -> str:
    """Attempt one row once: "delivered", "failed", "pending" (retry scheduled) or "skipped" (done or held)."""
    timeout = current_app.config["OIDC_BACKCHANNEL_TIMEOUT"]
    return deliver_batch([event_id], now or utcnow(), deadline=timeout + 1)[event_id]


def deliver_due(now: datetime | None = None) -> dict[int, str]:
    """Attempt every due row once, together, within OIDC_BACKCHANNEL_DEADLINE; their outcomes by id."""
    now = now or utcnow()
    return deliver_batch(due_ids(now), now, deadline=current_app.config["OIDC_BACKCHANNEL_DEADLINE"])
