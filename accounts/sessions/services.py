"""Session rules: list a user's sessions, end one, end all others. No request object here.

Callers commit. Ending a session stages its deletion; it is announced once the flow's commit succeeded.
"""

from dataclasses import dataclass
from datetime import datetime
from functools import partial

from sqlalchemy import select

from common.clock import utcnow

from ..extensions import db, on_commit
from ..oidc.models import Client, ClientSession
from ..security_events import outbox
from .devices import device_name
from .models import UserSession
from .signals import session_ended


@dataclass(frozen=True)
class SessionView:
    """What "Your sessions" shows about one session."""

    public_id: str
    ip: str | None
    device: str  # "Chrome on Linux"
    user_agent: str
    created_at: datetime
    last_seen_at: datetime
    current: bool
    apps: tuple[str, ...] = ()  # the apps (OIDC clients) this session signed into, by name


def active_sessions(user_id: int, current_sid: str | None, now: datetime, idle_timeout) -> list[SessionView]:
    """The user's live sessions, most recently used first, each with the apps it signed into (two queries)."""
    rows = list(
        db.session.scalars(
            select(UserSession)
            .where(
                UserSession.user_id == user_id,
                UserSession.expires_at > now,
                UserSession.last_seen_at > now - idle_timeout,
            )
            .order_by(UserSession.last_seen_at.desc())
        )
    )
    apps = signed_in_apps([r.public_id for r in rows])
    return [
        SessionView(
            r.public_id,
            r.ip,
            device_name(r.user_agent or ""),
            r.user_agent,
            r.created_at,
            r.last_seen_at,
            r.public_id == current_sid,
            tuple(apps.get(r.public_id, ())),
        )
        for r in rows
    ]


def signed_in_apps(sids: list[str]) -> dict[str, list[str]]:
    """The client names per session id, from the rows the provider keeps for back-channel logout."""
    if not sids:
        return {}
    pairs = db.session.execute(
        select(ClientSession.sid, Client.name)
        .join(Client, ClientSession.client_id == Client.id)
        .where(ClientSession.sid.in_(sids))
        .order_by(Client.name)
    )
    found: dict[str, list[str]] = {}
    for sid, name in pairs:
        found.setdefault(sid, []).append(name)
    return found


# Endings a person chose for one session: tenants get a CAEP session-revoked event (a ban sends its own).
REVOKING_REASONS = frozenset({"revoked", "admin-revoked"})


def end_sessions(
    user_id: int, *, only: str | None = None, keep: str | None = None, reason: str, now: datetime | None = None
) -> int:
    """End the user's session `only`, or all of them but `keep`; each is announced once the caller commits."""
    query = select(UserSession).where(UserSession.user_id == user_id)
    if only is not None:
        query = query.where(UserSession.public_id == only)
    if keep is not None:
        query = query.where(UserSession.public_id != keep)
    rows = list(db.session.scalars(query))
    for row in rows:
        if reason in REVOKING_REASONS:
            outbox.session_revoked(user_id, row.public_id, now or utcnow())
        # Staged with the deletion, so a crash after the commit still logs the clients out.
        outbox.logout(user_id, row.public_id, now or utcnow())
        db.session.delete(row)
        # After the commit: the back-channel logouts go out for sessions that are really gone.
        on_commit(partial(session_ended.send, None, sid=row.public_id, user_id=user_id, reason=reason))
    return len(rows)


def purge_expired(now: datetime, idle_timeout) -> int:
    """Delete sessions past their absolute or idle deadline; signed-in ones are announced once the caller commits."""
    rows = list(
        db.session.scalars(
            select(UserSession).where(
                (UserSession.expires_at <= now) | (UserSession.last_seen_at <= now - idle_timeout)
            )
        )
    )
    for row in rows:
        db.session.delete(row)
        if row.user_id is not None:
            outbox.logout(row.user_id, row.public_id, now)
            # Expiry ends a session like sign-out does: clients get their back-channel logout too.
            on_commit(partial(session_ended.send, None, sid=row.public_id, user_id=row.user_id, reason="expired"))
    return len(rows)
