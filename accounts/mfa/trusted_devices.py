"""'Trust this device for 30 days': a signed cookie naming a server-side record that can be revoked.

Callers commit.
"""

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from itsdangerous import BadSignature, URLSafeTimedSerializer
from sqlalchemy import delete, select

from common.server_session import hash_token

from ..extensions import db
from .models import TrustedDevice

SALT = "gatehouse.mfa.trusted-device"


@dataclass(frozen=True)
class DeviceView:
    """What the Security page shows about one trusted device."""

    id: int
    user_agent: str
    ip: str | None
    created_at: datetime
    last_used_at: datetime | None
    expires_at: datetime


def _serializer(secret_key: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(secret_key, salt=SALT)


def trust_device(user_id: int, *, lifetime: timedelta, ip: str | None, user_agent: str, now: datetime) -> str:
    """Record a trusted device; return the raw random token for its cookie (caller commits)."""
    raw = secrets.token_urlsafe(32)
    db.session.add(
        TrustedDevice(
            user_id=user_id,
            token_hash=hash_token(raw),
            ip=ip,
            user_agent=user_agent[:300],
            created_at=now,
            expires_at=now + lifetime,
        )
    )
    return raw


def cookie_value(secret_key: str, user_id: int, raw: str) -> str:
    """The signed cookie: tampering is refused before any lookup, and it names its user."""
    return _serializer(secret_key).dumps({"u": user_id, "t": raw})


def check_device(secret_key: str, cookie: str | None, user_id: int, *, lifetime: timedelta, now: datetime) -> bool:
    """True if the cookie is a live, unrevoked trust of this user's; marks it used (the caller commits)."""
    if not cookie or len(cookie) > 512:
        return False
    try:
        payload = _serializer(secret_key).loads(cookie, max_age=int(lifetime.total_seconds()))
    except BadSignature:
        return False
    if not isinstance(payload, dict) or payload.get("u") != user_id or not isinstance(payload.get("t"), str):
        return False
    device = db.session.scalar(
        select(TrustedDevice).where(
            TrustedDevice.token_hash == hash_token(payload["t"]), TrustedDevice.user_id == user_id
        )
    )
    if device is None or now >= device.expires_at:
        return False
    device.last_used_at = now
    return True


def list_devices(user_id: int, now: datetime) -> list[DeviceView]:
    """The user's live trusted devices, newest first."""
    rows = db.session.scalars(
        select(TrustedDevice)
        .where(TrustedDevice.user_id == user_id, TrustedDevice.expires_at > now)
        .order_by(TrustedDevice.created_at.desc(), TrustedDevice.id.desc())
    )
    return [DeviceView(r.id, r.user_agent, r.ip, r.created_at, r.last_used_at, r.expires_at) for r in rows]


def forget_device(user_id: int, device_id: int) -> bool:
    """Revoke one of the user's devices (scoped by user, never by id alone); caller commits."""
    result = db.session.execute(
        delete(TrustedDevice).where(TrustedDevice.id == device_id, TrustedDevice.user_id == user_id)
    )
    return result.rowcount == 1


def forget_all(user_id: int) -> int:
    """Revoke every trusted device of the user; caller commits."""
    return db.session.execute(delete(TrustedDevice).where(TrustedDevice.user_id == user_id)).rowcount
