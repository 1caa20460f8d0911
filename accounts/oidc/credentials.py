"""Random credentials (client secrets, codes, refresh tokens) and how they are stored: as SHA-256 hashes."""

import hashlib
import hmac
import secrets


def new_credential() -> str:
    """A 256-bit random, URL-safe credential."""
    return secrets.token_urlsafe(32)


def hash_credential(value: str) -> str:
    """The stored form of a credential; 256 random bits need no slow hash (nothing to brute-force)."""
    return hashlib.sha256(value.encode()).hexdigest()


def credential_matches(value: str, stored_hash: str) -> bool:
    """Compare a presented credential with a stored hash in constant time."""
    return hmac.compare_digest(hash_credential(value), stored_hash)
