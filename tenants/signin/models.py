"""Tokens a tenant holds for a signed-in session, logout-token ids and security events already seen."""

from datetime import datetime

from sqlalchemy import Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db


class TokenSet(db.Model):
    """The provider's tokens for one local session; they never reach the browser."""

    __tablename__ = "token_sets"

    id: Mapped[str] = mapped_column(String(43), primary_key=True)
    site: Mapped[str] = mapped_column(String(40), index=True)
    # OIDC Core §5.7: a user is (iss, sub); the same sub from another issuer is someone else.
    iss: Mapped[str] = mapped_column(String(255))
    sub: Mapped[str] = mapped_column(String(255), index=True)
    op_sid: Mapped[str | None] = mapped_column(String(255), index=True)
    access_token: Mapped[str] = mapped_column(Text)
    access_expires_at: Mapped[datetime]
    refresh_token: Mapped[str | None] = mapped_column(Text)
    id_token: Mapped[str] = mapped_column(Text)
    # Set while one request refreshes, so concurrent requests wait instead of replaying the
    # old refresh token (which the provider would treat as theft and revoke the family).
    refresh_lock_until: Mapped[datetime | None]
    updated_at: Mapped[datetime]


class SeenLogoutToken(db.Model):
    """A back-channel logout token id already accepted: a replay is refused (OIDC BCL §2.6)."""

    __tablename__ = "seen_logout_tokens"

    jti: Mapped[str] = mapped_column(String(255), primary_key=True)
    site: Mapped[str] = mapped_column(String(40), primary_key=True)
    expires_at: Mapped[datetime] = mapped_column(index=True)


class ReceivedSecurityEvent(db.Model):
    """A Security Event Token accepted from the provider (RFC 8417): its jti refuses a replay, its row the inspector."""

    __tablename__ = "received_security_events"
    __table_args__ = (Index("ix_received_security_events_site_sub", "site", "sub", "received_at"),)

    jti: Mapped[str] = mapped_column(String(255), primary_key=True)
    site: Mapped[str] = mapped_column(String(40), primary_key=True)
    sub: Mapped[str] = mapped_column(String(255))
    event: Mapped[str] = mapped_column(String(255))  # the event type URI
    summary: Mapped[str] = mapped_column(String(255), default="")
    received_at: Mapped[datetime] = mapped_column(index=True)


class SubjectNotBefore(db.Model):
    """Access tokens of this user issued at or before this moment are refused (a change made them stale)."""

    __tablename__ = "subject_not_before"

    site: Mapped[str] = mapped_column(String(40), primary_key=True)
    # OIDC Core §5.7: the user is (iss, sub).
    iss: Mapped[str] = mapped_column(String(255), primary_key=True)
    sub: Mapped[str] = mapped_column(String(255), primary_key=True)
    not_before: Mapped[datetime]
