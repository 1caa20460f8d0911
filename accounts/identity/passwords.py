"""Password rules (NIST 800-63B) and argon2id hashing."""

from functools import lru_cache
from pathlib import Path

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

MIN_LENGTH = 8  # NIST 800-63B §3.1.1.2: at least 8 characters
MAX_LENGTH = 128  # long enough for passphrases, short enough to bound hashing work
COMMON_PASSWORDS_FILE = Path(__file__).with_name("common_passwords.txt")


@lru_cache(maxsize=1)
def common_passwords() -> frozenset[str]:
    """The shipped list of the most common breached passwords, lower-cased."""
    lines = COMMON_PASSWORDS_FILE.read_text().splitlines()
    return frozenset(line.strip().lower() for line in lines if line and not line.startswith("#"))


def password_problems(password: str, *, email: str = "", name: str = "") -> list[str]:
    """Why a new password is refused (empty if it is acceptable); no composition rules, per NIST."""
    if len(password) < MIN_LENGTH:
        return [f"Use at least {MIN_LENGTH} characters."]
    if len(password) > MAX_LENGTH:
        return [f"Use at most {MAX_LENGTH} characters."]
    lowered = password.lower()
    if lowered in common_passwords():
        return ["This password is one of the most commonly breached; choose another."]
    # NIST 800-63B §5.1.1.2: refuse context-specific words an attacker tries first.
    if email and lowered == email.lower():
        return ["Your password must not be your email address."]
    if name and lowered == name.strip().lower():
        return ["Your password must not be your name."]
    return []


@lru_cache(maxsize=8)
def hasher(time_cost: int, memory_cost: int, parallelism: int) -> PasswordHasher:
    """An argon2id hasher with the given cost parameters."""
    return PasswordHasher(time_cost=time_cost, memory_cost=memory_cost, parallelism=parallelism)


def hash_password(password: str, params: dict) -> str:
    """The argon2id hash of a password."""
    return hasher(**params).hash(password)


def verify_password(password_hash: str, password: str, params: dict) -> tuple[bool, str | None]:
    """Check a password; also return a new hash when the stored one used other parameters."""
    ph = hasher(**params)
    try:
        ph.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False, None
    return True, (ph.hash(password) if ph.check_needs_rehash(password_hash) else None)


@lru_cache(maxsize=8)
def _dummy_hash(time_cost: int, memory_cost: int, parallelism: int) -> str:
    return hasher(time_cost, memory_cost, parallelism).hash("not a real password")


def burn_verification_time(password: str, params: dict) -> None:
    """Spend the same time as a real check, so unknown emails are not revealed by timing."""
    verify_password(_dummy_hash(**params), password, params)
