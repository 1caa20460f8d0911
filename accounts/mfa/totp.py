"""TOTP (RFC 6238) with pyotp: secrets, QR codes, code checks, and the replay-proof step counter."""

from datetime import UTC, datetime

import pyotp
import segno
from sqlalchemy import select, update

from ..extensions import db
from .encryption import seal, unseal
from .models import TotpCredential

DIGITS = 6
INTERVAL = 30
# RFC 6238 §5.2: accept one step either side of now for clock drift, no more.
VALID_WINDOW = 1


def new_secret() -> str:
    """A fresh base32 secret of 160 bits (RFC 4226 §4 R6 recommends 160)."""
    return pyotp.random_base32(length=32)


def _timestamp(now: datetime) -> float:
    # Our datetimes are naive UTC; pyotp would read a naive datetime as local time.
    return now.replace(tzinfo=UTC).timestamp()


def code_at(secret: str, now: datetime) -> str:
    """The code an authenticator app shows at `now`."""
    return pyotp.TOTP(secret, digits=DIGITS, interval=INTERVAL).at(_timestamp(now))


def matching_step(secret: str, code: str, now: datetime) -> int | None:
    """The time step whose code equals `code` (compared in constant time), or None."""
    totp = pyotp.TOTP(secret, digits=DIGITS, interval=INTERVAL)
    try:
        return totp.verify_and_get_timecode(code, for_time=_timestamp(now), valid_window=VALID_WINDOW)
    except pyotp.exceptions.OTPVerificationError:
        return None


def provisioning_uri(secret: str, account: str, issuer: str) -> str:
    """The otpauth:// URI authenticator apps read from the QR code."""
    return pyotp.TOTP(secret, digits=DIGITS, interval=INTERVAL).provisioning_uri(name=account, issuer_name=issuer)


def qr_svg_data_uri(uri: str) -> str:
    """The URI as a QR code, rendered here as SVG in a data: URI (CSP img-src allows data:, no script)."""
    return segno.make(uri, error="m").svg_data_uri(scale=5, border=2, dark="#0f172a", light="#ffffff")


def grouped(secret: str) -> list[str]:
    """The secret in groups of four, easier to type into an app by hand."""
    return [secret[i : i + 4] for i in range(0, len(secret), 4)]


def find_credential(user_id: int) -> TotpCredential | None:
    """The user's TOTP credential, active or pending."""
    return db.session.scalar(select(TotpCredential).where(TotpCredential.user_id == user_id))


def store_secret(user_id: int, secret: str, key: bytes, now: datetime) -> TotpCredential:
    """Keep a new, not yet active secret for the user (replacing a pending one); caller commits."""
    credential = find_credential(user_id)
    if credential is None:
        credential = TotpCredential(user_id=user_id)
        db.session.add(credential)
    credential.secret_encrypted = seal(key, secret, context=_context(user_id))
    credential.created_at = now
    credential.enabled_at = None
    credential.last_used_step = None
    return credential


def read_secret(credential: TotpCredential, key: bytes) -> str:
    """The plain secret of a credential (SealError if the row was tampered with or moved)."""
    return unseal(key, credential.secret_encrypted, context=_context(credential.user_id))


def claim_step(credential_id: int, step: int) -> bool:
    """Record `step` as used unless it or a later one already was; atomic across processes."""
    # One conditional UPDATE: two requests racing with the same code cannot both win (RFC 6238 §5.2).
    result = db.session.execute(
        update(TotpCredential)
        .where(
            TotpCredential.id == credential_id,
            (TotpCredential.last_used_step.is_(None)) | (TotpCredential.last_used_step < step),
        )
        .values(last_used_step=step)
    )
    return result.rowcount == 1


def _context(user_id: int) -> str:
    return f"mfa_totp.user_id={user_id}"
