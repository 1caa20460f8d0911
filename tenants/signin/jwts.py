"""The one check of a JWT from the provider: bearer access tokens and back-channel logout tokens alike.

Each rule once: an algorithm allow-list, the `typ` header, `iss`, `aud`, the time claims with one
leeway, and keys looked up by `kid` in the provider's JWKS with one rate-limited refetch shared by
every kind of token. (ID tokens are checked by Authlib at the callback, against the same JWKS.)
"""

import time
from datetime import datetime, timedelta

import requests
from flask import current_app
from joserfc import jwt
from joserfc.errors import DecodeError, InvalidKeyIdError, JoseError
from joserfc.jwk import KeySet

from common.clock import utc_from_timestamp

from .client import ProviderUnavailable, provider

# RFC 8725 §3.1: asymmetric algorithms only, so neither "none" nor HS256 keyed with the provider's
# public key (algorithm confusion) can pass.
ALGORITHMS = ["RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512"]
# Tolerated difference between the provider's clock and ours, for every time claim.
LEEWAY = timedelta(seconds=30)
MAX_LENGTH = 8192
JWKS_REFETCH_INTERVAL_SECONDS = 60
_REFETCHED_AT = "gatehouse_jwks_refetched_at"
_IMPORTED_JWKS = "gatehouse_jwks_imported"
# Signatures verified under the current JWKS, by the token's exact text: a bearer client sends one token many times.
VERIFIED_MAX = 1024


class InvalidJWT(Exception):
    """The token must be refused; the message says why (and never holds the token)."""


class BadSignature(InvalidJWT):
    """The signature does not verify, or the token is not a JWS we can read."""


class UnknownSigningKey(BadSignature):
    """Signed with a key id missing from our cached JWKS (the provider may have rotated its keys)."""


class WrongIssuer(InvalidJWT):
    """Issued by someone else than the provider we trust."""


class WrongAudience(InvalidJWT):
    """Issued for someone else than us."""


def timestamp(claims: dict, name: str, *, required: bool) -> datetime | None:
    """A NumericDate claim as a naive UTC datetime; InvalidJWT if it is missing (when required) or not a date."""
    value = claims.get(name)
    if value is None and not required:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise InvalidJWT(f"{name} must be a number")
    try:
        return utc_from_timestamp(value)
    except (OverflowError, OSError, ValueError) as error:
        raise InvalidJWT(f"{name} is out of range") from error


def decode(
    raw: str,
    *,
    keys: dict | KeySet,
    types: set[str],
    issuer: str,
    audience: str,
    now: datetime,
    require_exp: bool = True,
    max_length: int = MAX_LENGTH,
    verified: dict | None = None,
) -> tuple[dict, dict]:
    """Verify signature, typ, iss, aud, exp, iat and nbf; return (header, claims) or raise InvalidJWT.

    verified: tokens whose signature already verified under these very keys (raw text -> header and claims);
    a hit skips only the signature, every claim below is checked again.
    """
    if not raw or len(raw) > max_length:
        raise InvalidJWT("missing or oversized token")
    known = verified.get(raw) if verified is not None else None
    if known is None:
        try:
            key_set = keys if isinstance(keys, KeySet) else KeySet.import_key_set(keys)
            token = jwt.decode(raw, key_set, algorithms=ALGORITHMS)
        except InvalidKeyIdError as error:
            raise UnknownSigningKey("signed with an unknown key") from error
        except DecodeError as error:
            raise InvalidJWT("not a JWT") from error
        except (JoseError, ValueError, TypeError, KeyError) as error:
            raise BadSignature("bad signature or format") from error
        known = (token.header, token.claims)
        if verified is not None:
            if len(verified) >= VERIFIED_MAX:
                verified.clear()  # bounded memory; the next calls verify again
            verified[raw] = known
    # Copies: a caller changing its claims must not change what the next request of the same token reads.
    header, claims = dict(known[0]), dict(known[1])
    # RFC 8725 §3.11: explicit typing keeps one kind of token from being replayed as another.
    if str(header.get("typ", "")).lower() not in types:
        raise InvalidJWT(f"typ must be {' or '.join(sorted(types))}")
    if claims.get("iss") != issuer:
        raise WrongIssuer("issued by another issuer")
    aud = claims.get("aud")
    if audience not in (aud if isinstance(aud, list) else [aud]):
        raise WrongAudience("issued for another audience")
    expires_at = timestamp(claims, "exp", required=require_exp)
    if expires_at is not None and expires_at <= now - LEEWAY:
        raise InvalidJWT("expired")
    if timestamp(claims, "iat", required=True) > now + LEEWAY:
        raise InvalidJWT("issued in the future")
    not_before = timestamp(claims, "nbf", required=False)
    if not_before is not None and not_before > now + LEEWAY:
        raise InvalidJWT("not valid yet")
    return header, claims


def _provider_keys(*, force: bool = False) -> tuple[KeySet, dict]:
    """The provider's cached JWKS, imported once per fetch (importing costs more than a verification).

    With it the signatures verified under it: a new JWKS (rotated, or a key withdrawn) starts with none.
    """
    try:
        jwks = provider().fetch_jwk_set(force=force)
    except (requests.RequestException, ValueError, RuntimeError) as error:
        raise ProviderUnavailable(str(error)) from error
    imported = current_app.extensions.get(_IMPORTED_JWKS)
    if imported is None or imported[0] is not jwks:
        try:
            imported = (jwks, KeySet.import_key_set(jwks), {})
        except (JoseError, ValueError, TypeError, KeyError) as error:
            raise InvalidJWT("the provider's JWKS cannot be read") from error
        current_app.extensions[_IMPORTED_JWKS] = imported
    return imported[1], imported[2]


def _may_refetch_keys() -> bool:
    """At most one forced JWKS fetch per interval: tokens with made-up key ids must not make us hammer the provider."""
    now = time.monotonic()
    last = current_app.extensions.get(_REFETCHED_AT)
    if last is not None and now - last < JWKS_REFETCH_INTERVAL_SECONDS:
        return False
    current_app.extensions[_REFETCHED_AT] = now
    return True


def decode_from_provider(raw: str, **expected) -> tuple[dict, dict]:
    """decode() against the provider's cached JWKS, refetched (rate-limited) when the key id is unknown."""
    keys, verified = _provider_keys()
    try:
        return decode(raw, keys=keys, verified=verified, **expected)
    except UnknownSigningKey:
        if not _may_refetch_keys():
            raise
        # The provider may have rotated its signing key since we cached the JWKS: fetch it once more.
        keys, verified = _provider_keys(force=True)
        return decode(raw, keys=keys, verified=verified, **expected)
