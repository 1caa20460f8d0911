"""Bearer access tokens (RFC 9068 JWTs from the provider): verify one, and name who it speaks for.

The tenant is the resource server here: it accepts only tokens the provider signed for it
(`aud` = this tenant's resource identifier, its URL by default), with the provider's keys from
its JWKS, and reads the user, their orgs and the granted scopes from the claims alone.
"""

from dataclasses import dataclass, replace
from datetime import datetime

from flask import current_app

from common.clock import utcnow

from ..signin import jwts
from ..signin.client import metadata
from ..signin.impersonation import Impersonation, MalformedImpersonation, impersonation_from_claims
from ..signin.not_before import issued_too_early
from ..todos.scoping import Viewer, viewer_from_claims

# RFC 9068 §4: the typ header tells an access token from an ID token signed with the same key.
ACCESS_TOKEN_TYPES = {"at+jwt", "application/at+jwt"}
# What verified tokens grant, by their exact text (signed, so the same text is the same claims); bounded.
_GRANTS = "gatehouse_access_token_grants"
GRANTS_KEPT = 1024


class InvalidToken(Exception):
    """The token must be refused with 401 invalid_token (RFC 6750 §3.1); the message says why."""


@dataclass(frozen=True)
class AccessToken:
    """What a verified access token grants: a user, their orgs, some scopes, for one client."""

    viewer: Viewer
    client_id: str
    scopes: frozenset[str]
    jti: str
    expires_at: datetime
    act: Impersonation | None = None  # RFC 8693 `act`: an admin is acting as this user (also on viewer.actor)


def _access_token(claims: dict, orgs_claim: str | None) -> AccessToken:
    """What verified RFC 9068 claims grant; InvalidToken when a required claim is missing or malformed."""
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
        expires_at=jwts.timestamp(claims, "exp", required=True),
        act=act,
    )


def authenticate(raw: str) -> AccessToken:
    """Verify a bearer token as RFC 9068 §4 says (jwts.decode), against the provider's cached JWKS."""
    tenant = current_app.config["TENANT"]
    try:
        _, claims = jwts.decode_from_provider(
            raw, types=ACCESS_TOKEN_TYPES, issuer=metadata()["issuer"], audience=tenant.audience, now=utcnow()
        )
    except jwts.InvalidJWT as error:
        raise InvalidToken(str(error)) from error
    token = _grants(raw, claims, tenant.orgs_claim)
    issued_at = jwts.timestamp(claims, "iat", required=True)
    if issued_too_early(current_app.config["SITE"], token.viewer.iss, claims["sub"], issued_at):
        # A security event said this user's memberships or sessions changed after the token was issued.
        raise InvalidToken("issued before a change to this account; refresh it")
    return token


def _grants(raw: str, claims: dict, orgs_claim: str | None) -> AccessToken:
    """_access_token(claims), read once per token: a client sends the same token for its whole lifetime.

    Only after decode checked this call's claims (expiry included); a token it refuses is never kept.
    """
    kept = current_app.extensions.setdefault(_GRANTS, {})
    token = kept.get(raw)
    if token is None:
        token = _access_token(claims, orgs_claim)
        if len(kept) >= GRANTS_KEPT:
            kept.clear()
        kept[raw] = token
    return token
