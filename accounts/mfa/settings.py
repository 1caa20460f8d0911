"""Second-factor settings: defaults, the start-up check, and the one object the rules receive."""

import os
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import timedelta

from flask import Flask

from common.settings import check_secret

from .encryption import MfaKeys, derive_keys
from .lockout import LockoutPolicy

DEFAULTS = {
    # The half-signed-in stage lasts this long; then the password must be typed again.
    "MFA_STAGE_LIFETIME": timedelta(minutes=5),
    # NIST SP 800-63B §5.2.2 rate limiting. Three codes are valid at once (±1 step), so 5 guesses hit
    # ~1.5 in 10^5 per window; a guesser must already know the password, and the owner is mailed.
    "MFA_LOCKOUT_LIMIT": 5,
    "MFA_LOCKOUT_WINDOW": timedelta(minutes=15),
    "MFA_TRUSTED_DEVICE_LIFETIME": timedelta(days=30),
    "MFA_ISSUER": "Gatehouse",
    # Wrong passwords on re-authentication (turn off 2FA, new backup codes), per account.
    "RATELIMIT_REAUTH": "5 per 15 minutes",
}


@dataclass(frozen=True)
class MfaSettings:
    """What the second-factor rules need from configuration."""

    keys: MfaKeys
    lockout: LockoutPolicy
    device_lifetime: timedelta
    issuer: str


def init_settings(app: Flask) -> None:
    """Fill in defaults and refuse a weak dedicated key at start-up."""
    for name, value in DEFAULTS.items():
        app.config.setdefault(name, value)
    key = app.config.get("MFA_ENCRYPTION_KEY") or os.environ.get("MFA_ENCRYPTION_KEY")
    # A dedicated key lets SECRET_KEY rotate without making every TOTP secret unreadable.
    app.config["MFA_ENCRYPTION_KEY"] = check_secret(key, "MFA_ENCRYPTION_KEY") if key else None


def mfa_settings(config: Mapping) -> MfaSettings:
    """The settings of the running app, keys derived from MFA_ENCRYPTION_KEY or else SECRET_KEY."""
    return MfaSettings(
        keys=derive_keys(config.get("MFA_ENCRYPTION_KEY") or config["SECRET_KEY"]),
        lockout=LockoutPolicy(config["MFA_LOCKOUT_LIMIT"], config["MFA_LOCKOUT_WINDOW"]),
        device_lifetime=config["MFA_TRUSTED_DEVICE_LIFETIME"],
        issuer=config["MFA_ISSUER"],
    )
