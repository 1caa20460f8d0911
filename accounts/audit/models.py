"""The security-events table: a hash chain whose rows are only ever added (SPEC §2.8)."""

from datetime import datetime

from sqlalchemy import JSON, BigInteger, String, event
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db


class SecurityEvent(db.Model):
    """One security-relevant event: what, who (and who for them), about whom, in which org, from where, when.

    The ids are plain integers without foreign keys: the database must never rewrite an entry, so a
    deleted user or org leaves its events exactly as they were hashed.
    """

    __tablename__ = "security_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    # The position in the chain (1, 2, 3, ...): verify walks by it; id is only a row handle.
    seq: Mapped[int] = mapped_column(BigInteger, unique=True)
    event_type: Mapped[str] = mapped_column(String(50), index=True)
    actor_id: Mapped[int | None] = mapped_column(index=True)
    # The site admin acting as actor_id while impersonating them; both identities are kept.
    impersonator_id: Mapped[int | None] = mapped_column(index=True)
    subject_id: Mapped[int | None] = mapped_column(index=True)
    org_id: Mapped[int | None] = mapped_column(index=True)
    ip: Mapped[str | None] = mapped_column(String(45))
    user_agent: Mapped[str] = mapped_column(String(300), default="")
    created_at: Mapped[datetime] = mapped_column(index=True)
    details: Mapped[dict] = mapped_column(JSON, default=dict)
    # Unique: two entries can never claim the same predecessor, so the chain cannot fork.
    prev_hash: Mapped[str] = mapped_column(String(64), unique=True)
    entry_hash: Mapped[str] = mapped_column(String(64))


@event.listens_for(SecurityEvent, "before_update")
@event.listens_for(SecurityEvent, "before_delete")
def _append_only(mapper, connection, target) -> None:
    """The application may add events but never edit or remove one (SPEC §2.8)."""
    raise PermissionError("security events are append-only")
