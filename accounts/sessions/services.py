"""Session rules: list a user's sessions, end one, end all others. No request object here.

Callers commit. Ending a session stages its deletion; it is announced once the flow's commit succeeded.
"""

from dataclasses import dataclass
from datetime import datetime
from functools import partial

from sqlalchemy import select

from ..extensions import db, on_commit
from .models import UserSession
from .signals import session_ended


@dataclass(frozen=True)
class SessionView:
    """What "Your sessions" shows about one session."""

    public_id: str
    ip: str | None
    user_agent: str
    created_at: datetime
    last_seen_at: datetime
    current: bool


def active_sessions(user_id: int, current_sid: str | None, now: datetime, idle_timeout) -> list[SessionView]:
    """The user's live sessions, most recently used first."""
    rows = db.session.scalars(
        select(UserSession)
        .where(
            UserSession.user_id == user_id, UserSession.expires_at > now, UserSession.last_seen_at > now - idle_timeout
        )
        .order_by(UserSession.last_seen_at.desc())
    )
    return [
        SessionView(r.public_id, r.ip, r.user_agent, r.created_at, r.last_seen_at, r.public_id == current_sid)
        for r in rows
    ]


def end_sessions(user_id: int, *, only: str | None = None, keep: str | None = None, reason: str) -> int:
    """End the user's session `only`, or all of them but `keep`; each is announced once the caller commits."""
    query = select(UserSession).where(UserSession.user_id == user_id)
    if only is not None:
        query = query.where(UserSession.public_id == only)
    if keep is not None:
        query = query.where(UserSession.public_id != keep)
    rows = list(db.session.scalars(query))
    for row in rows:
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
            # Expiry ends a session like sign-out does: clients get their back-channel logout too.
            on_commit(partial(session_ended.send, None, sid=row.public_id, user_id=row.user_id, reason="expired"))
    return len(rows)
