"""Ten single-use backup codes per user, stored as keyed hashes.

Why HMAC and not argon2: the codes are random (~50 bits: 31^10), not human-chosen passwords,
so slow hashing buys little; the HMAC key comes from configuration, so a copied table alone
cannot be brute-forced at all; and a keyed hash can be looked up by an index instead of
running ten argon2 checks (19 MiB each) per guess, which would hand attackers a cheap DoS.
"""

import secrets
from datetime import datetime

from sqlalchemy import delete, func, select, update

from ..extensions import db
from .encryption import keyed_hash
from .models import BackupCode

COUNT = 10
LENGTH = 10
# No 0/o, 1/l/i: codes are read off paper and typed by hand.
ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"


def normalise(code: str) -> str:
    """Codes compare without case, spaces or dashes."""
    return "".join(code.split()).replace("-", "").lower()


def looks_like_backup_code(code: str) -> bool:
    """True if a normalised input has the shape of a backup code."""
    return len(code) == LENGTH and all(c in ALPHABET for c in code)


def _display(code: str) -> str:
    return f"{code[:5]}-{code[5:]}"


def _hash(key: bytes, user_id: int, code: str) -> str:
    # The user id is hashed in, so equal codes of two users give unrelated hashes.
    return keyed_hash(key, f"{user_id}:{code}")


def replace_codes(user_id: int, key: bytes, now: datetime) -> list[str]:
    """Throw away the user's codes and make ten new ones; return them for showing once (caller commits)."""
    db.session.execute(delete(BackupCode).where(BackupCode.user_id == user_id))
    codes = ["".join(secrets.choice(ALPHABET) for _ in range(LENGTH)) for _ in range(COUNT)]
    db.session.add_all(BackupCode(user_id=user_id, code_hash=_hash(key, user_id, c), created_at=now) for c in codes)
    return [_display(c) for c in codes]


def use_code(user_id: int, code: str, key: bytes, now: datetime) -> bool:
    """Use up one unused code; False if unknown or used (also when a concurrent request won)."""
    claimed = db.session.execute(
        update(BackupCode)
        .where(
            BackupCode.user_id == user_id,
            BackupCode.code_hash == _hash(key, user_id, normalise(code)),
            BackupCode.used_at.is_(None),
        )
        .values(used_at=now)
    )
    return claimed.rowcount == 1


def codes_left(user_id: int) -> int:
    """How many unused backup codes the user has."""
    return db.session.scalar(
        select(func.count()).select_from(BackupCode).where(BackupCode.user_id == user_id, BackupCode.used_at.is_(None))
    )


def delete_codes(user_id: int) -> None:
    """Remove every backup code of the user (caller commits)."""
    db.session.execute(delete(BackupCode).where(BackupCode.user_id == user_id))
