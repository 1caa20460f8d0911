"""Times for people: a JWT NumericDate or a lifetime as "in 4 min 10 s", "2 min ago" and a UTC date-time."""

from dataclasses import dataclass
from datetime import datetime

from common.clock import utc_from_timestamp

# Claims that hold a NumericDate (RFC 7519 §2): seconds since 1970-01-01 UTC.
TIME_CLAIMS = frozenset({"exp", "iat", "nbf", "auth_time", "updated_at"})
_UNITS = (("d", 86_400), ("h", 3_600), ("min", 60), ("s", 1))


@dataclass(frozen=True)
class Moment:
    """One point in time, as the raw value, a UTC date-time and how far it is from now."""

    raw: int
    utc: str
    relative: str


def duration_text(seconds: int) -> str:
    """A length of time in its two largest units: "42 s", "4 min 10 s", "1 h 5 min", "3 d 2 h"."""
    seconds = abs(int(seconds))
    if seconds == 0:
        return "0 s"
    parts = []
    for unit, size in _UNITS:
        count, seconds = divmod(seconds, size)
        if count or parts:
            parts.append((count, unit))
        if len(parts) == 2:
            break
    return " ".join(f"{count} {unit}" for count, unit in parts if count)


def relative_text(seconds_from_now: int) -> str:
    """ "in 4 min 10 s" for the future, "2 min ago" for the past, "now" within a second."""
    if int(seconds_from_now) == 0:
        return "now"
    if seconds_from_now > 0:
        return f"in {duration_text(seconds_from_now)}"
    return f"{duration_text(seconds_from_now)} ago"


def utc_text(moment: datetime) -> str:
    """A naive UTC datetime as "2026-12-03 13:45:25 UTC"."""
    return moment.strftime("%Y-%m-%d %H:%M:%S UTC")


def moment_of(timestamp: object, now: int) -> Moment | None:
    """A NumericDate claim value seen at Unix time `now`; None when it is not a usable number."""
    if isinstance(timestamp, bool) or not isinstance(timestamp, int | float):
        return None
    try:
        at = utc_from_timestamp(timestamp)
    except (OverflowError, OSError, ValueError):
        return None
    return Moment(raw=int(timestamp), utc=utc_text(at), relative=relative_text(int(timestamp) - int(now)))
