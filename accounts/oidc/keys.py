"""Signing keys: RS256 key pairs encrypted at rest, rotation, and the JWKS that publishes them."""

import base64
import logging
from datetime import datetime, timedelta

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from joserfc.jwk import KeySet, RSAKey
from sqlalchemy import delete, select

from ..audit.events import Origin, record_event
from ..extensions import db
from .config import KEY_CHECK_INTERVAL
from .models import SigningKey

log = logging.getLogger(__name__)

ALGORITHM = "RS256"
KEY_BITS = 2048

# Rotations from the CLI or a job come from no request.
NO_ORIGIN = Origin()

# Decrypted private keys by kid; a kid's key never changes, so the cache cannot go stale.
_private_keys: dict[str, RSAKey] = {}


def _passphrase(site_secret: str) -> str:
    """The key-encryption passphrase, derived from the site secret (HKDF) so no second secret must be managed."""
    derived = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=b"gatehouse/oidc-signing-keys")
    return base64.urlsafe_b64encode(derived.derive(site_secret.encode())).decode()


def _add_key(site_secret: str, now: datetime) -> SigningKey:
    """Generate a new signing key and add it to the session (private half encrypted); the caller commits."""
    key = RSAKey.generate_key(KEY_BITS, parameters={"use": "sig", "alg": ALGORITHM}, auto_kid=True)
    row = SigningKey(
        kid=key.kid,
        public_jwk=key.as_dict(private=False),
        private_pem_encrypted=key.as_pem(private=True, password=_passphrase(site_secret)).decode(),
        created_at=now,
    )
    db.session.add(row)
    _private_keys[row.kid] = key
    return row


def create_key(site_secret: str, now: datetime) -> SigningKey:
    """Generate a new signing key and store it."""
    row = _add_key(site_secret, now)
    db.session.commit()
    return row


def _load_private(row: SigningKey, site_secret: str) -> RSAKey:
    key = _private_keys.get(row.kid)
    if key is None:
        key = RSAKey.import_key(
            row.private_pem_encrypted,
            parameters={"kid": row.kid, "use": "sig", "alg": ALGORITHM},
            password=_passphrase(site_secret),
        )
        _private_keys[row.kid] = key
    return key


def signing_key(site_secret: str, now: datetime) -> RSAKey:
    """The private key new tokens are signed with (the newest active one; created on first use)."""
    row = db.session.scalar(
        select(SigningKey).where(SigningKey.retired_at.is_(None)).order_by(SigningKey.id.desc()).limit(1)
    )
    if row is None:
        row = create_key(site_secret, now)
    try:
        return _load_private(row, site_secret)
    except ValueError:
        # The site secret changed: the key cannot be decrypted. Its public half stays published while
        # its tokens live; signing moves to a new key instead of failing every request.
        log.warning("Signing key %s cannot be decrypted with the current secret; replacing it.", row.kid)
        row.retired_at = now
        db.session.commit()
        return _load_private(create_key(site_secret, now), site_secret)


class CurrentSigningKey:
    """One app's signing key, read from the table at most every KEY_CHECK_INTERVAL (not once per token)."""

    def __init__(self):
        self.keyset: KeySet | None = None
        self.checked_at: datetime | None = None

    def keyset_at(self, site_secret: str, now: datetime) -> KeySet:
        """The signing key as a key set, so joserfc writes its kid into every JWS header."""
        fresh = self.checked_at is not None and self.checked_at <= now < self.checked_at + KEY_CHECK_INTERVAL
        if self.keyset is None or not fresh:
            self.keyset, self.checked_at = KeySet([signing_key(site_secret, now)]), now
        return self.keyset

    def forget(self) -> None:
        """Read the table again on next use (this process rotated the key)."""
        self.keyset = None


def rotate(
    site_secret: str, now: datetime, retention: timedelta, *, actor_id: int | None = None, origin: Origin = NO_ORIGIN
) -> tuple[SigningKey, list[str]]:
    """Start signing with a new key; retire the old ones and drop keys retired longer than `retention`."""
    retired = list(db.session.scalars(select(SigningKey).where(SigningKey.retired_at.is_(None))))
    for row in retired:
        row.retired_at = now
    dropped = db.session.execute(delete(SigningKey).where(SigningKey.retired_at <= now - retention)).rowcount
    row = _add_key(site_secret, now)
    kids = [old.kid for old in retired]
    details = {"signing_kid": row.kid, "retired_kids": kids, "dropped": dropped}
    record_event("keys.rotated", actor_id=actor_id, origin=origin, now=now, details=details)
    db.session.commit()
    return row, kids


def published_keys(now: datetime, retention: timedelta) -> list[dict]:
    """Public JWKs of the active keys and of retired keys whose tokens may still be valid."""
    rows = db.session.scalars(
        select(SigningKey)
        .where(SigningKey.retired_at.is_(None) | (SigningKey.retired_at > now - retention))
        .order_by(SigningKey.id.desc())
    )
    return [dict(row.public_jwk) for row in rows]


def public_jwks(site_secret: str, now: datetime, retention: timedelta) -> dict:
    """The JWKS document: never empty, since a signing key is made if none exists yet."""
    signing_key(site_secret, now)
    return {"keys": published_keys(now, retention)}


def verification_keyset(site_secret: str, now: datetime, retention: timedelta) -> KeySet:
    """The published public keys, for checking tokens this provider signed (e.g. id_token_hint)."""
    return KeySet.import_key_set(public_jwks(site_secret, now, retention))
