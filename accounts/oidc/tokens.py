"""Tokens this provider signs: RFC 9068 JWT access tokens and the claims of OIDC ID tokens."""

import time
from dataclasses import dataclass

from authlib.oauth2.rfc6749 import InvalidGrantError, scope_to_list
from authlib.oauth2.rfc9068 import JWTBearerTokenGenerator
from flask import current_app

from common.clock import utcnow

from ..identity.models import User
from . import config
from .claims import impersonation_claims, resource_claims
from .code_grants import CodeGrant
from .credentials import new_credential
from .impersonation import Impersonation, capped_lifetime
from .keys import CurrentSigningKey
from .models import Client


def current_signing_key() -> CurrentSigningKey:
    """The app's signing key holder (made by init_oidc)."""
    return current_app.extensions["gatehouse_signing_key"]


def current_signing_keyset():
    """The key set new JWTs are signed with."""
    return current_signing_key().keyset_at(current_app.config["SECRET_KEY"], utcnow())


@dataclass(frozen=True)
class Grantee:
    """Whom the grants hand to the token generator: the user, and the impersonation the grant was made in."""

    user: User
    impersonation: Impersonation | None

    def get_user_id(self) -> int:
        """The id Authlib puts in the access token's `sub`: always the user's, never the actor's (RFC 8693 §4.1)."""
        return self.user.get_user_id()


class AccessTokenGenerator(JWTBearerTokenGenerator):
    """JWT access tokens (typ at+jwt) for the client's resource; refresh tokens only with offline_access.

    Registered as the server's default token generator; the grants hand it a Grantee as the user.
    """

    def __init__(self, issuer: str, lifetime: int):
        super().__init__(issuer, refresh_token_generator=lambda **_: new_credential(), expires_generator=lifetime)
        self.lifetime = lifetime

    @property
    def issuer(self) -> str:
        # One owner: the iss of access tokens is config.issuer(), read per request like ID tokens' and discovery's.
        return config.issuer()

    @issuer.setter
    def issuer(self, _value: str) -> None:
        """Authlib's constructor sets the issuer once; config.issuer() stays the only source."""

    def get_jwks(self):
        return current_signing_keyset()

    def get_audiences(self, client: Client, user, scope) -> str:
        # RFC 9068 §3: aud is the resource the token is for (the tenant API), not just the client.
        return client.audience

    def get_extra_claims(self, client: Client, grant_type, user: Grantee, scope) -> dict:
        # The tenant API authorizes by org role, so the access token carries the orgs claim too.
        claims = resource_claims(user.user, scope)
        if user.impersonation is not None:
            claims.update(impersonation_claims(user.impersonation, with_name=False))
            # Authlib set exp to now + lifetime; an impersonated token dies with the impersonation.
            now = int(time.time())
            claims["exp"] = now + capped_lifetime(self.lifetime, user.impersonation, now)
        return claims

    def generate(self, grant_type, client, user: Grantee, scope=None, expires_in=None, include_refresh_token=True):
        # OIDC Core §11: a refresh token is issued only when offline_access was granted.
        include_refresh_token = include_refresh_token and "offline_access" in scope_to_list(scope or "")
        lifetime = capped_lifetime(self.lifetime, user.impersonation, int(time.time()))
        if lifetime <= 0:
            # The code or refresh token was checked a moment ago; the impersonation ended since.
            raise InvalidGrantError("The impersonation this grant was made in has ended.")
        return super().generate(grant_type, client, user, scope, lifetime, include_refresh_token)


def id_token_claims(client: Client) -> dict:
    """The claims every ID token carries besides the user's: issuer, audience and expiry."""
    return {"iss": config.issuer(), "aud": client.client_id, "exp": int(time.time()) + config.seconds("ID_TOKEN")}


def session_claims(code: CodeGrant) -> dict:
    """The sid of the Accounts session the code was issued in (Back-Channel Logout §2.4), and who really acts in it.

    An impersonated ID token expires with the impersonation, like every token of its grant.
    """
    claims = {"sid": code.sid}
    if code.impersonation is not None:
        claims.update(impersonation_claims(code.impersonation, with_name=True))
        now = int(time.time())
        claims["exp"] = now + capped_lifetime(config.seconds("ID_TOKEN"), code.impersonation, now)
    return claims
