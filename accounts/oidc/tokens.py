"""Tokens this provider signs: RFC 9068 JWT access tokens and the claims of OIDC ID tokens."""

import time

from authlib.oauth2.rfc6749 import scope_to_list
from authlib.oauth2.rfc9068 import JWTBearerTokenGenerator
from flask import current_app

from common.clock import utcnow

from . import config
from .claims import resource_claims
from .credentials import new_credential
from .keys import signing_keyset
from .models import AuthorizationCode, Client


def current_signing_keyset():
    """The key set new JWTs are signed with."""
    return signing_keyset(current_app.config["SECRET_KEY"], utcnow())


class AccessTokenGenerator(JWTBearerTokenGenerator):
    """JWT access tokens (typ at+jwt) for the client's resource; refresh tokens only with offline_access."""

    def get_jwks(self):
        return current_signing_keyset()

    def get_audiences(self, client: Client, user, scope) -> str:
        # RFC 9068 §3: aud is the resource the token is for (the tenant API), not just the client.
        return client.audience

    def get_extra_claims(self, client: Client, grant_type, user, scope) -> dict:
        # The tenant API authorizes by org role, so the access token carries the orgs claim too.
        return resource_claims(user, scope) if user is not None else {}

    def generate(self, grant_type, client, user=None, scope=None, expires_in=None, include_refresh_token=True):
        # OIDC Core §11: a refresh token is issued only when offline_access was granted.
        include_refresh_token = include_refresh_token and "offline_access" in scope_to_list(scope or "")
        return super().generate(grant_type, client, user, scope, expires_in, include_refresh_token)


def token_generator(issuer: str, lifetime: int) -> AccessTokenGenerator:
    """The generator registered as the server's default token generator."""
    return AccessTokenGenerator(
        issuer=issuer,
        refresh_token_generator=lambda **_: new_credential(),
        expires_generator=lambda client, grant_type: lifetime,
    )


def id_token_claims(client: Client) -> dict:
    """The claims every ID token carries besides the user's: issuer, audience and expiry."""
    return {"iss": config.issuer(), "aud": client.client_id, "exp": int(time.time()) + config.seconds("ID_TOKEN")}


def session_claims(code: AuthorizationCode) -> dict:
    """The sid of the Accounts session the code was issued in (Back-Channel Logout §2.4)."""
    return {"sid": code.sid}
