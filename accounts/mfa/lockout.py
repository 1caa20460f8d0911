"""Per-account limit on second-factor guesses, kept in the database so every process shares it.

reserve_attempt commits by itself (it runs before anything else the sign-in stages): see its docstring.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, func, select

from ..extensions import db
from .models import SecondFactorFailure


@dataclass(frozen=True)
class LockoutPolicy:
    """At most `limit` wrong codes per account within any `window`."""

    limit: int
    window: timedelta


def reserve_attempt(user_id: int, policy: LockoutPolicy, now: datetime) -> int | None:
    """Count this attempt as failed before the code is checked; None if the account is locked.

    Recording first and counting after (committed) means concurrent guesses in other processes
    see each other, so no race can squeeze in more than `limit` checks per window.
    """
    db.session.execute(
        delete(SecondFactorFailure).where(
            SecondFactorFailure.user_id == user_id, SecondFactorFailure.failed_at <= now - policy.window
        )
    )
    attempt = SecondFactorFailure(user_id=user_id, failed_at=now)
    db.session.add(attempt)
    db.session.commit()
    if _failures(user_id, policy, now) > policy.limit:
        # Refused attempts do not extend the lock: it ends `window` after the limit was reached.
        db.session.delete(attempt)
        db.session.commit()
        return None
    return attempt.id


def clear_failures(user_id: int) -> None:
    """A correct code ends the streak of failures (committed by the caller)."""
    db.session.execute(delete(SecondFactorFailure).where(SecondFactorFailure.user_id == user_id))


def locked_until(user_id: int, policy: LockoutPolicy, now: datetime) -> datetime | None:
    """When the account may try again, or None if it may now."""
    recent = list(
        db.session.scalars(
            select(SecondFactorFailure.failed_at)
            .where(SecondFactorFailure.user_id == user_id, SecondFactorFailure.failed_at > now - policy.window)
            .order_by(SecondFactorFailure.failed_at.desc())
            .limit(policy.limit)
        )
    )
    if len(recent) < policy.limit:
        return None
    # The lock lifts when the oldest of the last `limit` failures leaves the window.
    return recent[-1] + policy.window


def attempts_left(user_id: int, policy: LockoutPolicy, now: datetime) -> int:
    """How many more wrong codes the account may enter in the current window."""
    return max(policy.limit - _failures(user_id, policy, now), 0)


def _failures(user_id: int, policy: LockoutPolicy, now: datetime) -> int:
    return db.session.scalar(
        select(func.count())
        .select_from(SecondFactorFailure)
        .where(SecondFactorFailure.user_id == user_id, SecondFactorFailure.failed_at > now - policy.window)
    )
