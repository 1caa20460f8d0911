"""Writing events to the outbox, in the transaction of the change they report. Callers commit.

Each function stages one row per client that holds tokens of the user (a client session) and has a
push endpoint; the commit that lands the change lands the rows, and once it succeeded the job runner
is told (a crash in between loses nothing: the rows wait for the next run).
"""

from datetime import datetime

from flask import current_app
from sqlalchemy import select

from common import security_event_types as types
from common.clock import unix_seconds

from ..extensions import db, on_commit
from ..oidc.models import Client, ClientSession
from . import tokens
from .models import KIND_LOGOUT, KIND_SET, OutboxEvent

# The job runner (runner.py) registers itself here, so writing an event imports no delivery code.
RUNNER = "gatehouse_event_runner"


def _recipients(user_id: int, sid: str | None, kind: str) -> list[Client]:
    """Clients with tokens of the user (in session sid, if given) and an endpoint for this kind of delivery."""
    endpoint = Client.security_events_uri if kind == KIND_SET else Client.backchannel_logout_uri
    sessions = select(ClientSession.client_id).where(ClientSession.user_id == user_id)
    if sid is not None:
        sessions = sessions.where(ClientSession.sid == sid)
    # IN, not JOIN + DISTINCT: PostgreSQL has no equality for the JSON columns DISTINCT would compare.
    query = select(Client).where(Client.id.in_(sessions), endpoint.is_not(None)).order_by(Client.id)
    if kind == KIND_LOGOUT:
        # A client is logged out of a session once, however many ways its end was announced.
        staged = select(OutboxEvent.client_id).where(OutboxEvent.kind == KIND_LOGOUT, OutboxEvent.sid == sid)
        query = query.where(Client.id.not_in(staged))
    return list(db.session.scalars(query))


def _kick() -> None:
    runner = current_app.extensions.get(RUNNER)
    if runner is not None:
        runner.kick()


def stage(
    user_id: int,
    event: str,
    now: datetime,
    *,
    sid: str | None = None,
    payload: dict | None = None,
    kind: str = KIND_SET,
) -> list[OutboxEvent]:
    """Add one outbox row per recipient; the runner is kicked once the caller's commit succeeds."""
    rows = [
        OutboxEvent(
            jti=tokens.new_jti(),
            kind=kind,
            client_id=client.id,
            event=event,
            user_id=user_id,
            sub=str(user_id),
            sid=sid,
            # CAEP §2: event_timestamp says when the change happened, however late the delivery.
            payload={"event_timestamp": unix_seconds(now), **(payload or {})},
            created_at=now,
            next_attempt_at=now,
        )
        for client in _recipients(user_id, sid, kind)
    ]
    db.session.add_all(rows)
    if rows:
        on_commit(_kick)
    return rows


def claims_changed(user_ids: list[int], now: datetime) -> None:
    """The users' orgs changed (membership removed, role changed, org deleted); the new claim is read at delivery."""
    for user_id in dict.fromkeys(user_ids):
        stage(user_id, types.CLAIMS_CHANGED, now)


def session_revoked(user_id: int, sid: str, now: datetime) -> None:
    """One Accounts session was revoked by the user or an admin."""
    stage(user_id, types.SESSION_REVOKED, now, sid=sid)


def credential_changed(user_id: int, now: datetime, *, credential_type: str, change_type: str) -> None:
    """A password or second factor changed (CAEP credential-change: credential_type, change_type)."""
    stage(
        user_id,
        types.CREDENTIAL_CHANGED,
        now,
        payload={"credential_type": credential_type, "change_type": change_type},
    )


def account_disabled(user_id: int, now: datetime) -> None:
    """An admin banned the account."""
    stage(user_id, types.ACCOUNT_DISABLED, now)


def logout(user_id: int, sid: str, now: datetime) -> None:
    """Back-channel logout of session sid for every client that got tokens in it."""
    stage(user_id, "backchannel-logout", now, sid=sid, kind=KIND_LOGOUT)
