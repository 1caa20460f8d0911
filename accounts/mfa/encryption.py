"""Keys derived from configuration, and AES-GCM sealing of TOTP secrets at rest (no home-made crypto)."""

import base64
import hashlib
import hmac
import os
from dataclasses import dataclass
from functools import lru_cache

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

VERSION = "v1"


class SealError(ValueError):
    """A sealed value was tampered with, belongs to another record, or was sealed under another key."""


@dataclass(frozen=True)
class MfaKeys:
    """Independent keys for each use, so no key ever serves two purposes."""

    secrets: bytes  # AES-256-GCM key for TOTP secrets (and backup codes awaiting display)
    codes: bytes  # HMAC-SHA256 key for backup-code hashes


def _derive(material: bytes, purpose: bytes) -> bytes:
    # RFC 5869 HKDF: distinct `info` labels give independent keys from one configured secret.
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=b"gatehouse/mfa/" + purpose).derive(material)


@lru_cache(maxsize=4)
def derive_keys(material: str) -> MfaKeys:
    """The MFA keys for a configured secret (MFA_ENCRYPTION_KEY, else the site's SECRET_KEY)."""
    raw = material.encode()
    return MfaKeys(secrets=_derive(raw, b"totp-secrets/v1"), codes=_derive(raw, b"backup-codes/v1"))


def seal(key: bytes, plaintext: str, *, context: str) -> str:
    """Encrypt and authenticate plaintext, bound to context (e.g. the owner's user id)."""
    nonce = os.urandom(12)  # 96-bit random nonce, never reused under a key in practice (NIST SP 800-38D §8.2.2)
    # The context is authenticated data: a ciphertext copied onto another user's row will not open.
    sealed = AESGCM(key).encrypt(nonce, plaintext.encode(), context.encode())
    return f"{VERSION}.{base64.urlsafe_b64encode(nonce + sealed).decode()}"


def unseal(key: bytes, token: str, *, context: str) -> str:
    """Decrypt a sealed value; SealError if it was altered or sealed for another context or key."""
    version, _, body = token.partition(".")
    if version != VERSION:
        raise SealError("unknown sealed-value version")
    try:
        data = base64.urlsafe_b64decode(body.encode())
        return AESGCM(key).decrypt(data[:12], data[12:], context.encode()).decode()
    except (InvalidTag, ValueError) as error:
        raise SealError("sealed value does not open") from error


def keyed_hash(key: bytes, value: str) -> str:
    """HMAC-SHA256 of value: without the key, a copied table cannot be brute-forced offline."""
    return hmac.new(key, value.encode(), hashlib.sha256).hexdigest()
