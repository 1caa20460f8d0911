"""An admin acting as the user (RFC 8693 §4.1 `act`) as grants carry it, and the lifetime cap it puts on them."""

from dataclasses import dataclass
from datetime import datetime

from common.clock import utc_from_timestamp


@dataclass(frozen=True)
class Impersonation:
    """Who really acts (the admin's user id), the reason they gave, and when it ends (Unix seconds)."""

    actor_id: int
    reason: str
    expires_at: int

    @property
    def ends_at(self) -> datetime:
        return utc_from_timestamp(self.expires_at)


def capped(moment: datetime, impersonation: Impersonation | None) -> datetime:
    """A deadline, moved forward to the end of the impersonation: nothing issued in it outlives it."""
    if impersonation is None:
        return moment
    return min(moment, impersonation.ends_at)


def capped_lifetime(lifetime: int, impersonation: Impersonation | None, now: int) -> int:
    """Seconds a credential issued at `now` may live; 0 or less means the impersonation is already over."""
    if impersonation is None:
        return lifetime
    return min(lifetime, impersonation.expires_at - now)
