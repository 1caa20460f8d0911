"""The hash chain: the one canonical encoding of an entry, its hash, and the lock that serializes appends.

Each entry's hash covers every field but the row id (seq is its position) plus the previous entry's
hash, so editing, removing or reordering an entry breaks a link that verify can point at.
"""

import hashlib
import json
from datetime import datetime

from sqlalchemy import select, text, update
from sqlalchemy.orm import Session

from .models import SecurityEvent

GENESIS = "0" * 64
# Key of the PostgreSQL advisory lock that makes appends take turns ("gatehaud" in ASCII).
CHAIN_LOCK_KEY = 0x6761746568617564

HASHED_FIELDS = (
    "seq",
    "event_type",
    "actor_id",
    "impersonator_id",
    "subject_id",
    "org_id",
    "ip",
    "user_agent",
    "created_at",
    "details",
    "prev_hash",
)


def canonical(fields: dict) -> bytes:
    """The bytes an entry's hash is taken over: sorted-key compact JSON, datetimes as ISO-8601."""
    values = {name: fields[name] for name in HASHED_FIELDS}
    created = values["created_at"]
    values["created_at"] = created.isoformat(timespec="microseconds") if isinstance(created, datetime) else created
    return json.dumps(values, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False).encode()


def digest(fields: dict) -> str:
    """Hex SHA-256 of the entry's canonical encoding."""
    return hashlib.sha256(canonical(fields)).hexdigest()


def fields_of(entry: SecurityEvent) -> dict:
    """The hashed fields of a stored entry, as read back from the database."""
    return {name: getattr(entry, name) for name in HASHED_FIELDS}


def lock_tail(session: Session) -> tuple[int, str]:
    """Take the append lock for this transaction, then read the tail: (last seq, last hash), or (0, GENESIS)."""
    if session.get_bind().dialect.name == "postgresql":
        # Held until commit/rollback: a second writer waits here, then reads the tail this one wrote.
        session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": CHAIN_LOCK_KEY})
    else:
        # SQLite: a write statement (even one matching no row) takes the database's single write lock
        # before the tail is read, so the read and the INSERT happen under the same lock.
        table = SecurityEvent.__table__
        session.execute(update(table).where(text("1 = 0")).values(seq=table.c.seq))
    tail = session.execute(
        select(SecurityEvent.seq, SecurityEvent.entry_hash).order_by(SecurityEvent.seq.desc()).limit(1)
    ).first()
    return (tail.seq, tail.entry_hash) if tail else (0, GENESIS)
