"""The outbox: one row per event and client, written in the transaction of the change it reports."""

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from ..oidc.models import Client

# What a row delivers: a Security Event Token (RFC 8935 push) or a back-channel logout token.
KIND_SET = "set"
KIND_LOGOUT = "logout"


class OutboxEvent(db.Model):
    """An event on its way to one client; signed at each attempt (fresh iat), always under the same jti."""

    __tablename__ = "security_event_outbox"
    __table_args__ = (Index("ix_security_event_outbox_due", "delivered_at", "failed_at", "next_attempt_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    jti: Mapped[str] = mapped_column(String(43), unique=True)
    kind: Mapped[str] = mapped_column(String(10), default=KIND_SET)
    client_id: Mapped[int] = mapped_column(ForeignKey("oauth_clients.id", ondelete="CASCADE"), index=True)
    event: Mapped[str] = mapped_column(String(255))  # the event type URI
    # No foreign key: the event must still reach the client when the user was deleted meanwhile.
    user_id: Mapped[int] = mapped_column(index=True)
    sub: Mapped[str] = mapped_column(String(255))
    sid: Mapped[str | None] = mapped_column(String(32))  # the Accounts session, when one session is meant
    payload: Mapped[dict] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime]
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime]
    # A worker holds the row until then, so two workers never push the same event at once.
    leased_until: Mapped[datetime | None]
    delivered_at: Mapped[datetime | None]
    failed_at: Mapped[datetime | None]
    last_error: Mapped[str | None] = mapped_column(Text)

    client: Mapped[Client] = relationship()

    @property
    def status(self) -> str:
        """pending, delivered or failed: what the admin console shows."""
        if self.delivered_at is not None:
            return "delivered"
        return "failed" if self.failed_at is not None else "pending"
