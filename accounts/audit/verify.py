"""verify_chain: walk the log in seq order, recompute every hash, and name the first broken link."""

from dataclasses import dataclass
from enum import StrEnum

from sqlalchemy import Row, select
from sqlalchemy.orm import Session

from . import chain
from .models import SecurityEvent

BATCH = 1000


class Broken(StrEnum):
    """Why a link is broken."""

    EDITED = "edited"
    MISSING_PREDECESSOR = "missing predecessor"
    REORDERED = "reordered"


@dataclass(frozen=True)
class VerifyResult:
    """The outcome: how many entries were checked, the last hash, or the first broken link and why."""

    count: int
    last_hash: str
    broken_seq: int | None = None
    broken_id: int | None = None
    reason: Broken | None = None
    explanation: str = ""

    @property
    def ok(self) -> bool:
        """True when every link held."""
        return self.reason is None


def verify_chain(session: Session) -> VerifyResult:
    """Check every entry's hash and its link to the one before; stop at the first break."""
    expected_seq, expected_prev, count = 1, chain.GENESIS, 0
    # Plain rows, streamed: a long log never fills the identity map.
    columns = [getattr(SecurityEvent, name) for name in ("id", "entry_hash", *chain.HASHED_FIELDS)]
    rows = session.execute(select(*columns).order_by(SecurityEvent.seq).execution_options(yield_per=BATCH))
    try:
        for entry in rows:
            problem = _check(session, entry, expected_seq, expected_prev)
            if problem is not None:
                reason, explanation = problem
                return VerifyResult(count, expected_prev, entry.seq, entry.id, reason, explanation)
            expected_seq, expected_prev, count = entry.seq + 1, entry.entry_hash, count + 1
    finally:
        # Stopping early must still close the server-side cursor the streamed rows come from.
        rows.close()
    return VerifyResult(count, expected_prev)


def _check(session: Session, entry: Row, expected_seq: int, expected_prev: str) -> tuple[Broken, str] | None:
    """What is wrong with this entry at this place in the chain, or None."""
    fields = chain.fields_of(entry)
    if chain.digest(fields) != entry.entry_hash:
        origin = _predecessor_seq(session, entry.prev_hash)
        # Unchanged content with another position: the entry was moved, not edited.
        if origin is not None and chain.digest({**fields, "seq": origin + 1}) == entry.entry_hash:
            return Broken.REORDERED, f"its content belongs after seq {origin}, not at seq {entry.seq}"
        return Broken.EDITED, "its stored hash does not match its contents"
    if entry.prev_hash == expected_prev:
        return None
    if entry.seq != expected_seq:
        return Broken.MISSING_PREDECESSOR, f"expected seq {expected_seq} before it, which is gone"
    origin = _predecessor_seq(session, entry.prev_hash)
    if origin is not None:
        return Broken.REORDERED, f"it follows seq {origin}, not seq {expected_seq - 1}"
    return Broken.MISSING_PREDECESSOR, "the entry it follows is no longer in the log (removed or rewritten)"


def _predecessor_seq(session: Session, prev_hash: str) -> int | None:
    """The seq of the stored entry with this hash, if any (only looked up once a link is broken)."""
    if prev_hash == chain.GENESIS:
        return 0
    return session.scalar(select(SecurityEvent.seq).where(SecurityEvent.entry_hash == prev_hash).limit(1))
