"""Bearer access tokens (RFC 9068 JWTs from the provider): verify one, and name who it speaks for.

The tenant is the resource server here: it accepts only tokens the provider signed for it
(`aud` = this tenant's resource identifier, its URL by default), with the provider's keys from
its JWKS, and reads the user, their orgs and the granted scopes from the claims alone.
"""

import time
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

import requests
from flask import current_app
from joserfc import jwt
from joserfc.errors import InvalidKeyIdError, JoseError
from joserfc.jwk import KeySet

from common.clock import utc_from_timestamp, utcnow

from ..signin.client import ProviderUnavailable, metadata, provider
from ..signin.impersonation import Impersonation, MalformedImpersonation, impersonation_from_claims
from ..todos.scoping import Viewer, viewer_from_claims

# RFC 9068 §4 and RFC 8725 §3.1: the provider signs access tokens with RS256; nothing else is accepted,
# so neither "none" nor HS256 keyed with our public key (algorithm confusion) can pass.
ALGORITHMS = ["RS256"]
# RFC 9068 §4: the typ header tells an access token from an ID token signed with the same key.
ACCESS_TOKEN_TYPES = {"at+jwt", "application/at+jwt"}
# Tolerated difference between the provider's clock and ours, for iat and nbf only; exp is exp.
CLOCK_SKEW = timedelta(seconds=30)
TOKEN_MAX_LENGTH = 8192
JWKS_REFETCH_INTERVAL_SECONDS = 60
_REFETCHED_AT = "gatehouse_jwks_refetched_at"


class InvalidToken(Exception):
    """The token must be refused with 401 invalid_token (RFC 6750 §3.1); the message says why."""


class UnknownSigningKey(InvalidToken):
    """Signed with a key id missing from our cached JWKS (the provider may have rotated its keys)."""


@dataclass(frozen=True)
class AccessToken:
    """What a verified access token grants: a user, their orgs, some scopes, for one client."""

    viewer: Viewer
    client_id: str
    scopes: frozenset[str]
    jti: str
    expires_at: datetime
    act: Impersonation | None = None  # RFC 8693 `act`: an admin is acting as this user (also on viewer.actor)


def _timestamp(claims: dict, name: str, *, required: bool) -> datetime | None:
    value = claims.get(name)
    if value is None and not required:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise InvalidToken(f"{name} must be a number")
    try:
        return utc_from_timestamp(value)
    except (OverflowError, OSError, ValueError) as error:
        raise InvalidToken(f"{name} is out of range") from error


def verify_access_token(
    raw: str, *, keys: dict, issuer: str, audience: str, now: datetime, orgs_claim: str | None = "orgs"
) -> AccessToken:
    """Check an access token as RFC 9068 §4 says; raise InvalidToken if anything fails."""
    if not raw or len(raw) > TOKEN_MAX_LENGTH:
        raise InvalidToken("missing or oversized token")
    try:
        token = jwt.decode(raw, KeySet.import_key_set(keys), algorithms=ALGORITHMS)
    except InvalidKeyIdError as error:
        raise UnknownSigningKey("signed with an unknown key") from error
    except (JoseError, ValueError, TypeError, KeyError) as error:
        raise InvalidToken("bad signature or format") from error
    header, claims = token.header, token.claims
    if str(header.get("typ", "")).lower() not in ACCESS_TOKEN_TYPES:
        raise InvalidToken("not an access token (typ must be at+jwt)")
    if claims.get("iss") != issuer:
        raise InvalidToken("issued by another issuer")
    aud = claims.get("aud")
    # RFC 9068 §4: the token must name this resource server; a token for Globex is useless at Acme.
    if audience not in (aud if isinstance(aud, list) else [aud]):
        raise InvalidToken("issued for another audience")
    expires_at = _timestamp(claims, "exp", required=True)
    if expires_at <= now:
        raise InvalidToken("expired")
    issued_at = _timestamp(claims, "iat", required=True)
    if issued_at > now + CLOCK_SKEW:
        raise InvalidToken("issued in the future")
    not_before = _timestamp(claims, "nbf", required=False)
    if not_before is not None and not_before > now + CLOCK_SKEW:
        raise InvalidToken("not valid yet")
    orgs = claims.get(orgs_claim) if orgs_claim else None
    viewer = viewer_from_claims(claims.get("iss"), claims.get("sub"), orgs, claims.get("name", ""))
    client_id, jti, scope = claims.get("client_id"), claims.get("jti"), claims.get("scope", "")
    if viewer is None or not isinstance(client_id, str) or not isinstance(jti, str) or not isinstance(scope, str):
        raise InvalidToken("sub, client_id, jti and scope are required (RFC 9068 §2.2)")
    try:
        act = impersonation_from_claims(claims)
    except MalformedImpersonation as error:
        # A write under an actor we cannot name must not be recorded as the user's own: refuse the token.
        raise InvalidToken(str(error)) from error
    return AccessToken(
        viewer=replace(viewer, actor=act),
        client_id=client_id,
        scopes=frozenset(scope.split()),
        jti=jti,
        expires_at=expires_at,
        act=act,
    )


def _provider_keys(*, force: bool = False) -> dict:
    try:
        return provider().fetch_jwk_set(force=force)
    except (requests.RequestException, ValueError, RuntimeError) as error:
        raise ProviderUnavailable(str(error)) from error


def _may_refetch_keys() -> bool:
    """At most one forced JWKS fetch per interval: tokens with made-up key ids must not make us hammer the provider."""
    now = time.monotonic()
    last = current_app.extensions.get(_REFETCHED_AT)
    if last is not None and now - last < JWKS_REFETCH_INTERVAL_SECONDS:
        return False
    current_app.extensions[_REFETCHED_AT] = now
    return True


def authenticate(raw: str) -> AccessToken:
    """Verify a bearer token against the provider's cached JWKS, refetched once if the key id is unknown."""
    tenant = current_app.config["TENANT"]
    kwargs = {
        "issuer": metadata()["issuer"],
        "audience": tenant.audience,
        "now": utcnow(),
        "orgs_claim": tenant.orgs_claim,
    }
    try:
        return verify_access_token(raw, keys=_provider_keys(), **kwargs)
    except UnknownSigningKey:
        if not _may_refetch_keys():
            raise
        # The provider may have rotated its signing key since we cached the JWKS: fetch it once more.
        return verify_access_token(raw, keys=_provider_keys(force=True), **kwargs)
