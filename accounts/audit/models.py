"""The security-events table; rows are only ever added."""

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, String, event
from sqlalchemy.orm import Mapped, mapped_column

from common.clock import utcnow

from ..extensions import db


class SecurityEvent(db.Model):
    """One security-relevant event: who, what, from where, when, and details."""

    __tablename__ = "security_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    # The log outlives the account it mentions, so deleting a user keeps its events.
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    event_type: Mapped[str] = mapped_column(String(50), index=True)
    ip: Mapped[str | None] = mapped_column(String(45))
    user_agent: Mapped[str] = mapped_column(String(300), default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    details: Mapped[dict] = mapped_column(JSON, default=dict)


@event.listens_for(SecurityEvent, "before_update")
@event.listens_for(SecurityEvent, "before_delete")
def _append_only(mapper, connection, target) -> None:
    """The application may add events but never edit or remove one (SPEC §2.8)."""
    raise PermissionError("security events are append-only")
