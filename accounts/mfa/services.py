"""Second-factor rules as plain functions: enrol, verify at sign-in, new backup codes, turn off.

Callers commit. A refused code is committed too: its counted failure (and a lockout's event) must stay.
"""

from dataclasses import dataclass
from datetime import datetime
from functools import cache

from sqlalchemy import bindparam, delete, select

from ..audit.events import Origin, record_event
from ..extensions import db
from ..identity.models import User
from ..identity.passwords import verify_password
from ..security_events import outbox
from . import backup_codes, lockout, totp, trusted_devices
from .encryption import MfaKeys
from .models import TotpCredential
from .settings import MfaSettings

MAX_CODE_INPUT = 32


class SecondFactorError(Exception):
    """A rule refused the request; the message is safe to show next to `field`."""

    def __init__(self, message: str, field: str = "code"):
        super().__init__(message)
        self.field = field


class LockedOut(SecondFactorError):
    """Too many wrong codes for this account: no code is checked until `until`."""

    def __init__(self, until: datetime, *, just_now: bool = False):
        super().__init__(
            "Too many wrong codes. To protect your account, sign-in with a code is paused "
            f"until {until:%H:%M} UTC. Try again then."
        )
        self.until = until
        self.just_now = just_now  # this attempt reached the limit (tell the owner once, not per attempt)


@dataclass(frozen=True)
class Verified:
    """A second factor was accepted: which kind, and how many backup codes remain."""

    method: str  # "totp" or "backup"
    codes_left: int


def has_second_factor(user_id: int) -> bool:
    """True if the user has 2FA switched on (sign-in asks for it; the OpenID provider may too)."""
    return db.session.execute(_enabled_totp(), {"user_id": user_id}).first() is not None


@cache
def _enabled_totp():
    # Built once with a bound parameter: every sign-in (and a step-up check) asks. ORM columns, so a credential
    # enabled earlier in this request is flushed first.
    return select(TotpCredential.id).where(
        TotpCredential.user_id == bindparam("user_id"), TotpCredential.enabled_at.is_not(None)
    )


def parse_code(raw: str | None) -> tuple[str, str]:
    """("totp", "123456") or ("backup", "abcde23456") from what the user typed; else SecondFactorError."""
    compact = "".join((raw or "").split()).replace("-", "")
    if not compact:
        raise SecondFactorError("Enter the 6-digit code from your authenticator app, or a backup code.")
    if len(compact) > MAX_CODE_INPUT:
        raise SecondFactorError("That is too long for a code: enter 6 digits, or a 10-character backup code.")
    # isascii: str.isdigit() would also accept digits of other scripts, which pyotp never shows.
    if compact.isascii() and compact.isdigit() and len(compact) == totp.DIGITS:
        return "totp", compact
    if backup_codes.looks_like_backup_code(compact.lower()):
        return "backup", compact.lower()
    raise SecondFactorError("Enter the 6 digits from your authenticator app, or a backup code like abcde-23456.")


def begin_enrolment(user: User, *, keys: MfaKeys, now: datetime) -> None:
    """Give the user a new, not yet active secret to add to an authenticator app."""
    if has_second_factor(user.id):
        raise SecondFactorError("Two-factor authentication is already on.")
    totp.store_secret(user.id, totp.new_secret(), keys.secrets, now)


def enrolment_secret(user: User, *, keys: MfaKeys) -> str | None:
    """The pending secret the user is adding to an app, or None if there is none."""
    credential = totp.find_credential(user.id)
    if credential is None or credential.enabled_at is not None:
        return None
    return totp.read_secret(credential, keys.secrets)


def confirm_enrolment(user: User, code: str, *, keys: MfaKeys, origin: Origin, now: datetime) -> list[str]:
    """Switch 2FA on if the code matches the pending secret; return ten backup codes to show once."""
    secret = enrolment_secret(user, keys=keys)
    if secret is None:
        raise SecondFactorError("There is no authenticator being set up. Start again from the Security page.")
    kind, value = parse_code(code)
    step = totp.matching_step(secret, value, now) if kind == "totp" else None
    if step is None:
        raise SecondFactorError("That code is not right. Check that your device's clock is set automatically.")
    credential = totp.find_credential(user.id)
    credential.enabled_at = now
    credential.last_used_step = step  # the confirming code cannot be replayed at sign-in
    codes = backup_codes.replace_codes(user.id, keys.codes, now)
    record_event("mfa.enabled", actor_id=user.id, origin=origin, now=now)
    outbox.credential_changed(user.id, now, credential_type="app", change_type="create")
    return codes


def enable_with_secret(user: User, secret: str, *, keys: MfaKeys, now: datetime) -> None:
    """Switch 2FA on with a known secret (demo data and tests; real users confirm a fresh one)."""
    credential = totp.store_secret(user.id, secret, keys.secrets, now)
    credential.enabled_at = now
    record_event("mfa.enabled", actor_id=user.id, origin=Origin(), now=now, details={"known_secret": True})


def verify_second_factor(user: User, code: str, *, settings: MfaSettings, origin: Origin, now: datetime) -> Verified:
    """Accept a TOTP code (once per time step) or an unused backup code, within the lockout limit."""
    kind, value = parse_code(code)  # malformed input is not a guess, so it is not counted
    credential = totp.find_credential(user.id)
    if credential is None or credential.enabled_at is None:
        raise SecondFactorError("Two-factor authentication is not on for this account.")
    if lockout.reserve_attempt(user.id, settings.lockout, now) is None:
        raise LockedOut(lockout.locked_until(user.id, settings.lockout, now) or now + settings.lockout.window)
    if kind == "totp":
        step = totp.matching_step(totp.read_secret(credential, settings.keys.secrets), value, now)
        accepted = step is not None and totp.claim_step(credential.id, step)
        replayed = step is not None and not accepted
    else:
        accepted = backup_codes.use_code(user.id, value, settings.keys.codes, now)
        replayed = False
    if accepted:
        lockout.clear_failures(user.id)
        left = backup_codes.codes_left(user.id)
        if kind == "backup":
            record_event("mfa.backup_code_used", actor_id=user.id, origin=origin, now=now, details={"left": left})
        return Verified(kind, left)
    raise _refusal(user, replayed, settings=settings, origin=origin, now=now)


def _refusal(user: User, replayed: bool, *, settings: MfaSettings, origin: Origin, now: datetime) -> SecondFactorError:
    """Why a wrong code was refused; locks the account (and records it) when this failure reached the limit."""
    until = lockout.locked_until(user.id, settings.lockout, now)
    if until is not None:
        details = {"until": until.isoformat(), "limit": settings.lockout.limit}
        record_event("mfa.locked_out", actor_id=user.id, origin=origin, now=now, details=details)
        return LockedOut(until, just_now=True)
    left = lockout.attempts_left(user.id, settings.lockout, now)
    if replayed:
        return SecondFactorError(f"This code was already used. Wait for the next one in your app ({left} tries left).")
    return SecondFactorError(f"That code is not right ({left} tries left).")


def regenerate_backup_codes(
    user: User, password: str, *, params: dict, keys: MfaKeys, origin: Origin, now: datetime
) -> list[str]:
    """New backup codes after re-entering the password; the old ones stop working."""
    _reauthenticate(user, password, params)
    if not has_second_factor(user.id):
        raise SecondFactorError("Turn on two-factor authentication first.", "password")
    codes = backup_codes.replace_codes(user.id, keys.codes, now)
    record_event("mfa.backup_codes_regenerated", actor_id=user.id, origin=origin, now=now)
    return codes


def disable_second_factor(user: User, password: str, *, params: dict, origin: Origin, now: datetime) -> None:
    """Turn 2FA off after re-entering the password."""
    _reauthenticate(user, password, params)
    if not has_second_factor(user.id):
        raise SecondFactorError("Two-factor authentication is already off.", "password")
    remove_second_factor(user.id, actor_id=user.id, origin=origin, now=now)


def remove_second_factor(
    user_id: int, *, actor_id: int | None, origin: Origin, now: datetime, event: str = "mfa.disabled"
) -> None:
    """Delete the secret, backup codes and trusted devices (turn off by the user, or an admin reset)."""
    db.session.execute(delete(TotpCredential).where(TotpCredential.user_id == user_id))
    backup_codes.delete_codes(user_id)
    trusted_devices.forget_all(user_id)
    lockout.clear_failures(user_id)
    record_event(event, actor_id=actor_id, origin=origin, now=now, details={"user_id": user_id})
    outbox.credential_changed(user_id, now, credential_type="app", change_type="delete")


def trust_device(user: User, *, settings: MfaSettings, origin: Origin, now: datetime) -> str:
    """Remember this browser for the trust lifetime; return the raw token for its cookie."""
    raw = trusted_devices.trust_device(
        user.id, lifetime=settings.device_lifetime, ip=origin.ip, user_agent=origin.user_agent, now=now
    )
    record_event("mfa.device_trusted", actor_id=user.id, origin=origin, now=now)
    return raw


def forget_devices(user: User, *, origin: Origin, now: datetime, device_id: int | None = None) -> int:
    """Revoke one trusted device of the user's, or all of them; return how many went."""
    if device_id is None:
        count = trusted_devices.forget_all(user.id)
    else:
        count = int(trusted_devices.forget_device(user.id, device_id))
    if count:
        details = {"count": count} if device_id is None else {"device_id": device_id}
        record_event("mfa.devices_forgotten", actor_id=user.id, origin=origin, now=now, details=details)
    return count


def _reauthenticate(user: User, password: str, params: dict) -> None:
    """Sensitive changes need the password again, not just a session that may be borrowed."""
    ok = bool(password) and len(password) <= 1024 and verify_password(user.password_hash, password, params)[0]
    if not ok:
        raise SecondFactorError("Your password is not correct.", "password")
