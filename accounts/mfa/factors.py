"""Which second factors a user has (an authenticator app, passkeys): the one answer sign-in and every page ask."""

from dataclasses import dataclass
from functools import cache

from sqlalchemy import bindparam, select

from ..extensions import db
from ..passkeys.models import PasskeyCredential
from ..passkeys.services import has_passkey
from .models import TotpCredential


@dataclass(frozen=True)
class SecondFactors:
    """The second steps a user can give after their password."""

    totp: bool  # an authenticator app (with its backup codes)
    passkey: bool  # at least one passkey

    @property
    def any(self) -> bool:
        return self.totp or self.passkey


def has_totp(user_id: int) -> bool:
    """True if the user switched on codes from an authenticator app."""
    query = select(TotpCredential.id).where(TotpCredential.user_id == user_id, TotpCredential.enabled_at.is_not(None))
    return db.session.scalar(query) is not None


def second_factors(user_id: int) -> SecondFactors:
    """Every second factor the user has."""
    return SecondFactors(totp=has_totp(user_id), passkey=has_passkey(user_id))


def has_second_factor(user_id: int) -> bool:
    """True if signing in with the password must be followed by a second step (TOTP or a passkey)."""
    return db.session.execute(_any_second_factor(), {"user_id": user_id}).first() is not None


@cache
def _any_second_factor():
    # One round trip, built once with a bound parameter: every password sign-in asks. ORM columns, so a
    # factor added earlier in this request is flushed first.
    user_id = bindparam("user_id")
    totp = select(TotpCredential.id).where(TotpCredential.user_id == user_id, TotpCredential.enabled_at.is_not(None))
    passkey = select(PasskeyCredential.id).where(PasskeyCredential.user_id == user_id)
    return totp.union_all(passkey).limit(1)
