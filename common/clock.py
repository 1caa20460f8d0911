"""The one clock: every "now" in the product comes from here, so tests freeze time in one place."""

from datetime import UTC, datetime


def utcnow() -> datetime:
    """The current time as a naive UTC datetime (what the database columns hold)."""
    return datetime.now(UTC).replace(tzinfo=None)


def utc_from_timestamp(seconds: int | float) -> datetime:
    """A Unix timestamp (as in JWT claims) as a naive UTC datetime."""
    return datetime.fromtimestamp(seconds, UTC).replace(tzinfo=None)


def unix_seconds(moment: datetime) -> int:
    """A naive UTC datetime as whole Unix seconds (JWT NumericDate), whatever the machine's time zone."""
    return int(moment.replace(tzinfo=UTC).timestamp())
