"""Second-factor tables: the TOTP credential, backup codes, trusted devices, failed attempts."""

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from common.clock import utcnow

from ..extensions import db


class TotpCredential(db.Model):
    """A user's authenticator-app secret; pending until a valid code switches it on."""

    __tablename__ = "mfa_totp"

    id: Mapped[int] = mapped_column(primary_key=True)
    # One authenticator per account: enrolling again replaces a pending secret, never an active one.
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), unique=True)
    # AES-GCM ciphertext bound to user_id (see encryption.py); never the base32 secret itself.
    secret_encrypted: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    enabled_at: Mapped[datetime | None]
    # RFC 6238 §5.2: a code is accepted once; only later time steps may follow.
    last_used_step: Mapped[int | None]


class BackupCode(db.Model):
    """A single-use recovery code; only its keyed hash is stored."""

    __tablename__ = "mfa_backup_codes"
    # Also the index for "this user's codes" (user_id leads).
    __table_args__ = (UniqueConstraint("user_id", "code_hash"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    code_hash: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    used_at: Mapped[datetime | None]


class TrustedDevice(db.Model):
    """A browser that may skip the second step until it expires or is forgotten."""

    __tablename__ = "mfa_trusted_devices"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    # SHA-256 of the random token in the cookie: a copied table yields no usable cookie.
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    user_agent: Mapped[str] = mapped_column(String(300), default="")
    ip: Mapped[str | None] = mapped_column(String(45))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_used_at: Mapped[datetime | None]
    expires_at: Mapped[datetime]


class SecondFactorFailure(db.Model):
    """One failed (or in-flight) second-factor attempt; counted per account to lock guessing out."""

    __tablename__ = "mfa_failures"
    # Every lockout query is "this user's failures since t".
    __table_args__ = (Index("ix_mfa_failures_user_id_failed_at", "user_id", "failed_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    failed_at: Mapped[datetime]
