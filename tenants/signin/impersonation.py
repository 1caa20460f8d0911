"""Impersonation as the provider's tokens state it: RFC 8693 §4.1 `act` plus Gatehouse's `impersonation` claim.

While an admin impersonates a user, `sub` stays the user and `act.sub` names the admin who really
acts; `impersonation` carries the reason the admin gave and when it ends. Plain functions: the
claims in, a frozen Impersonation (or None) out.
"""

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from common.clock import utc_from_timestamp

ACTOR_SUB_MAX = 255
ACTOR_NAME_MAX = 200
REASON_MAX = 1000
CONTROL_CHARS = re.compile(r"[\x00-\x1f\x7f]")
# The reason is free text an admin typed: line breaks and tabs are fine, other control characters are not.
REASON_FORBIDDEN = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


class MalformedImpersonation(ValueError):
    """`act` or `impersonation` is there but not in the agreed shape; the message says which part."""


@dataclass(frozen=True)
class Impersonation:
    """An admin (the actor) acting as the signed-in user, why, and until when."""

    actor_sub: str
    actor_name: str | None = None
    reason: str | None = None
    expires_at: datetime | None = None

    @property
    def actor_label(self) -> str:
        """How pages name the actor: their display name, else their id (access tokens carry no name)."""
        return self.actor_name or f"An admin (id {self.actor_sub})"


def _text(
    value: object, what: str, *, maximum: int, forbidden: re.Pattern = CONTROL_CHARS, required: bool
) -> str | None:
    if value is None and not required:
        return None
    if not isinstance(value, str) or not value.strip():
        raise MalformedImpersonation(f"{what} must be a non-empty string")
    if len(value) > maximum or forbidden.search(value):
        raise MalformedImpersonation(f"{what} is too long or holds control characters")
    return value


def _expires_at(value: object) -> datetime | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        raise MalformedImpersonation("impersonation.expires_at must be whole unix seconds")
    try:
        return utc_from_timestamp(value)
    except (OverflowError, OSError, ValueError) as error:
        raise MalformedImpersonation("impersonation.expires_at is out of range") from error


def impersonation_from_claims(claims: Mapping) -> Impersonation | None:
    """The impersonation a token's claims describe; None without `act`; MalformedImpersonation if misshapen.

    `impersonation` is optional (a provider may send a bare RFC 8693 `act`), but never without `act`.
    A nested `act.act` (an earlier actor in a delegation chain) is ignored: the outermost actor is acting now.
    """
    act, details = claims.get("act"), claims.get("impersonation")
    if act is None:
        if details is not None:
            raise MalformedImpersonation("impersonation without act")
        return None
    if not isinstance(act, Mapping):
        raise MalformedImpersonation("act must be an object")
    if details is not None and not isinstance(details, Mapping):
        raise MalformedImpersonation("impersonation must be an object")
    details = details or {}
    return Impersonation(
        actor_sub=_text(act.get("sub"), "act.sub", maximum=ACTOR_SUB_MAX, forbidden=CONTROL_CHARS, required=True),
        actor_name=_text(act.get("name"), "act.name", maximum=ACTOR_NAME_MAX, forbidden=CONTROL_CHARS, required=False),
        reason=_text(
            details.get("reason"),
            "impersonation.reason",
            maximum=REASON_MAX,
            forbidden=REASON_FORBIDDEN,
            required=False,
        ),
        expires_at=_expires_at(details.get("expires_at")),
    )


def minutes_left(impersonation: Impersonation, now: datetime) -> int | None:
    """Whole minutes until the impersonation ends, rounded up and never negative; None if no end was given."""
    if impersonation.expires_at is None:
        return None
    seconds = (impersonation.expires_at - now).total_seconds()
    return max(0, math.ceil(seconds / 60))


def time_left_text(impersonation: Impersonation, now: datetime) -> str:
    """The banner's "N minutes left"; "ending" once the end has passed (the provider's logout is on its way)."""
    minutes = minutes_left(impersonation, now)
    if minutes is None:
        return "until stopped"
    if minutes == 0:
        return "ending"
    return f"{minutes} minute{'s' if minutes != 1 else ''} left"


def stop_url(issuer: str) -> str:
    """The provider's page to end the impersonation: a GET link, since its Stop form is CSRF-protected there."""
    return issuer.rstrip("/") + "/impersonation"
