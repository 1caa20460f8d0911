"""Passkey tables: each user's WebAuthn credentials and user handle, and the challenges handed out for a ceremony."""

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from common.clock import utcnow

from ..extensions import db


class PasskeyCredential(db.Model):
    """A registered passkey: its public key and the counters and flags its authenticator reports."""

    __tablename__ = "passkey_credentials"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    # WebAuthn §6.1: credential ids are at most 1023 bytes and unique across the relying party.
    credential_id: Mapped[bytes] = mapped_column(LargeBinary(1023), unique=True)
    # The COSE public key as the authenticator gave it; verification decodes it (webauthn library).
    public_key: Mapped[bytes] = mapped_column(LargeBinary)
    # WebAuthn §7.2 step 22: a signature counter that does not grow means a cloned authenticator.
    sign_count: Mapped[int] = mapped_column(default=0)
    transports: Mapped[list] = mapped_column(JSON, default=list)
    # Backup eligible (BE flag): a synced passkey, so amr says "swk" rather than "hwk".
    backup_eligible: Mapped[bool] = mapped_column(default=False)
    backed_up: Mapped[bool] = mapped_column(default=False)
    name: Mapped[str] = mapped_column(String(60))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_used_at: Mapped[datetime | None]


class PasskeyUserHandle(db.Model):
    """The random WebAuthn user.id of an account (§14.6.1: never the email or row id); sign-ins return it."""

    __tablename__ = "passkey_user_handles"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    handle: Mapped[bytes] = mapped_column(LargeBinary(64), unique=True)


class PasskeyChallenge(db.Model):
    """A challenge handed to one ceremony: spent on first use, worthless after it expires."""

    __tablename__ = "passkey_challenges"

    id: Mapped[int] = mapped_column(primary_key=True)
    # base64url of 32 random bytes: the value the browser signs over (clientDataJSON.challenge).
    challenge: Mapped[str] = mapped_column(String(64), unique=True)
    purpose: Mapped[str] = mapped_column(String(12))  # "register" or "sign-in"
    # Registration challenges belong to the signed-in user; sign-in ones to nobody yet (discoverable).
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    expires_at: Mapped[datetime] = mapped_column(index=True)
