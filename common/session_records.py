"""A SessionStore over a SQL table: the columns every site's session table has, and the store."""

import secrets
from collections.abc import Callable
from datetime import datetime

from flask import current_app
from sqlalchemy import JSON, String, delete, insert, update
from sqlalchemy.orm import Mapped, mapped_column


class SessionRecordMixin:
    """Columns of a server-side session row; the key is the SHA-256 of the cookie token."""

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    # Public, stable handle: shown to the user, used as the OIDC `sid`; never a credential.
    public_id: Mapped[str] = mapped_column(String(32), unique=True)
    data: Mapped[dict] = mapped_column(JSON, default=dict)
    ip: Mapped[str | None] = mapped_column(String(45))
    user_agent: Mapped[str] = mapped_column(String(300), default="")
    created_at: Mapped[datetime]
    last_seen_at: Mapped[datetime]
    expires_at: Mapped[datetime] = mapped_column(index=True)


class SqlSessionStore:
    """Loads and saves session rows, enforcing the idle timeout and the absolute lifetime."""

    def __init__(self, db, model, *, scope: dict | None = None, columns: Callable[[dict], dict] | None = None):
        self.db = db
        self.model = model
        self.scope = scope or {}  # fixed column values a row must have, e.g. {"site": "acme"}
        self.columns = columns or (lambda data: {})  # indexed columns derived from the data

    def load(self, key: str, now: datetime) -> dict | None:
        row = self.db.session.get(self.model, key)
        if not self.is_live(row, now):
            return None
        return self.loaded(row, record=row)

    @staticmethod
    def loaded(row, record: object = None) -> dict:
        """What load answers for a live row (an object or a plain row with its columns); record is the site's own."""
        return {"data": dict(row.data), "last_seen_at": row.last_seen_at, "sid": row.public_id, "record": record}

    def is_live(self, row, now: datetime) -> bool:
        """A row (an object or a plain row with its columns) that is this site's session, neither expired nor idle."""
        if row is None:
            return False
        idle = current_app.config["SESSION_IDLE_TIMEOUT"]
        if now >= row.expires_at or now - row.last_seen_at >= idle:
            return False
        # A row of another site is never this site's session.
        return all(getattr(row, name) == value for name, value in self.scope.items())

    def save(self, key: str, data: dict | None, meta: dict, now: datetime, *, create: bool) -> None:
        if create:
            row = {
                "key": key,
                "public_id": secrets.token_urlsafe(16),
                "created_at": now,
                "last_seen_at": now,
                "expires_at": now + current_app.config["SESSION_ABSOLUTE_LIFETIME"],
                "user_agent": meta["user_agent"],
                "ip": meta["ip"],
                "data": data or {},
                **self.scope,
                **self.columns(data or {}),
            }
            # Core, not an ORM object: nothing reads the new row back in this request (a sign-in writes one).
            self.db.session.execute(insert(self.model.__table__), row)
            self.db.session.commit()
            return
        values = {"last_seen_at": now, "ip": meta["ip"]}
        if data is not None:
            values.update(data=data, **self.columns(data))
        # A conditional UPDATE: a row revoked meanwhile stays gone (no resurrection, no stale-row error).
        self.db.session.execute(update(self.model).where(self.model.key == key).values(**values))
        self.db.session.commit()

    def rekey(self, old_key: str, new_key: str, data: dict | None, meta: dict, now: datetime) -> None:
        values = {"key": new_key, "last_seen_at": now, "ip": meta["ip"], "user_agent": meta["user_agent"]}
        if data is not None:
            values.update(data=data, **self.columns(data))
        # public_id, created_at and expires_at stay: the same session (and OIDC sid), under a new cookie token.
        self.db.session.execute(
            update(self.model)
            .where(self.model.key == old_key)
            .values(**values)
            .execution_options(synchronize_session=False)
        )
        self.db.session.commit()

    def delete(self, key: str) -> None:
        # One DELETE, not a load then an ORM delete: the row has no ORM-side cascades or listeners.
        table = self.model.__table__
        if self.db.session.execute(delete(table).where(table.c.key == key)).rowcount:
            self.db.session.commit()
