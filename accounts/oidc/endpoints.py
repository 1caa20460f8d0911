"""Authlib endpoints wired to our store: userinfo, revocation, introspection, end-session, issuer parameter."""

from dataclasses import dataclass
from datetime import datetime

from authlib.integrations.flask_oauth2 import ResourceProtector, current_token, token_authenticated
from authlib.oauth2.rfc6749 import TokenMixin
from authlib.oauth2.rfc6750 import BearerTokenValidator
from authlib.oauth2.rfc7009 import RevocationEndpoint
from authlib.oauth2.rfc7662 import IntrospectionEndpoint
from authlib.oauth2.rfc9207 import IssuerParameter
from authlib.oidc import core as oidc
from authlib.oidc.rpinitiated import EndSessionEndpoint
from flask import current_app, g
from flask import request as flask_request

from common.clock import unix_seconds, utcnow

from . import config, services
from .bearer_grants import bearer_grant
from .claims import impersonation_claims, subject, user_claims
from .keys import verification_keyset
from .models import Client, Token


class Issuer(IssuerParameter):
    """RFC 9207: every authorization response, errors included, names the issuer (mix-up defence)."""

    def get_issuer(self) -> str:
        return config.issuer()


class AccessTokenValidator(BearerTokenValidator):
    """Accepts access tokens this provider issued and has not revoked (looked up by hash)."""

    def authenticate_token(self, token_string):
        return bearer_grant(token_string)


class BearerProtector(ResourceProtector):
    """Bearer tokens in the Authorization header, or in a form-encoded POST body (RFC 6750 §2.1, §2.2)."""

    def parse_request_authorization(self, request):
        form = flask_request.form if flask_request.mimetype == "application/x-www-form-urlencoded" else {}
        # §2.2 applies to POST bodies only and never alongside a header; §2.3 (URI query) is not accepted.
        if flask_request.method == "POST" and "Authorization" not in request.headers and "access_token" in form:
            return self.get_token_validator("bearer"), form["access_token"]
        return super().parse_request_authorization(request)

    def acquire_token(self, scopes=None, **kwargs):
        """Authlib's acquire_token with Flask's request itself instead of a FlaskJsonRequest copy.

        Authlib's bearer rules (header parsing, validator, expiry, revocation, scope) read only the method and
        headers, which Flask's request has; the copy's URL alone cost ~3% of a userinfo request.
        """
        kwargs["scopes"] = scopes
        for claim in kwargs:
            if isinstance(kwargs[claim], str):
                kwargs[claim] = [kwargs[claim]]
        token = self.validate_request(request=flask_request._get_current_object(), **kwargs)
        token_authenticated.send(self, token=token)
        g.authlib_server_oauth2_token = token
        return token


class UserInfo(oidc.UserInfoEndpoint):
    """OIDC Core §5.3: the claims the access token's scope allows."""

    def get_issuer(self) -> str:
        return config.issuer()

    def create_endpoint_request(self, request):
        # Authlib builds an OAuth2Request (form, args, headers copied) that __call__ never reads: the resource
        # protector reads Flask's request itself. Skipping it saved ~6% of a userinfo request.
        return None

    def generate_user_info(self, user, scope):
        # current_token is the access token this request presented: its grant says who really acts.
        return user_claims(user, scope, current_token.impersonation)


@dataclass
class PresentedToken(TokenMixin):
    """A stored token as presented to revocation or introspection: as access token or as refresh token."""

    row: Token
    kind: str
    now: datetime

    def check_client(self, client: Client) -> bool:
        return self.row.check_client(client)

    def get_scope(self) -> str:
        return self.row.scope

    def is_expired(self) -> bool:
        expires = self.row.refresh_expires_at if self.kind == "refresh_token" else self.row.expires_at
        return self.now >= expires

    def is_revoked(self) -> bool:
        if self.kind == "refresh_token":
            return not self.row.refresh_usable(self.now)
        return self.row.is_revoked()


def presented_token(token_string: str, hint: str | None) -> PresentedToken | None:
    """Find a token by its value, trying the hinted type first (RFC 7009 §2.1: the hint is only a hint)."""
    lookups = [("access_token", services.find_access_token), ("refresh_token", services.find_refresh_token)]
    if hint == "refresh_token":
        lookups.reverse()
    for kind, find in lookups:
        row = find(token_string)
        if row is not None:
            return PresentedToken(row, kind, utcnow())
    return None


class Revocation(RevocationEndpoint):
    """RFC 7009. Public clients may revoke their own tokens too (§2.1), so "none" is accepted."""

    CLIENT_AUTH_METHODS = ["client_secret_basic", "client_secret_post", "none"]

    def query_token(self, token_string, token_type_hint):
        return presented_token(token_string, token_type_hint)

    def revoke_token(self, token: PresentedToken, request):
        if token.kind == "refresh_token":
            # RFC 7009 §2.1: revoking a refresh token also invalidates the access tokens of that grant.
            services.revoke_family(token.row.family_id, utcnow())
        else:
            services.revoke_token(token.row, utcnow())


class Introspection(IntrospectionEndpoint):
    """RFC 7662 for authenticated confidential clients, about their own tokens only."""

    CLIENT_AUTH_METHODS = ["client_secret_basic", "client_secret_post"]

    def query_token(self, token_string, token_type_hint):
        return presented_token(token_string, token_type_hint)

    def check_permission(self, token: PresentedToken, client: Client, request) -> bool:
        # RFC 7662 §4: never tell one client about another client's tokens.
        return token.check_client(client)

    def introspect_token(self, token: PresentedToken) -> dict:
        row = token.row
        expires = row.refresh_expires_at if token.kind == "refresh_token" else row.expires_at
        payload = {
            "active": True,
            "scope": row.scope,
            "client_id": row.client.client_id,
            "sub": subject(row.user),
            "aud": row.client.audience,
            "iss": config.issuer(),
            "iat": unix_seconds(row.issued_at),
            "exp": unix_seconds(expires),
            "sid": row.sid,
            # The same act and impersonation as the JWT access token states (none for the user's own grant).
            **impersonation_claims(row.impersonation, with_name=False),
        }
        if token.kind == "access_token":
            payload["token_type"] = "Bearer"  # noqa: S105 (a token type name, not a secret)
        return payload


class EndSession(EndSessionEndpoint):
    """RP-Initiated Logout 1.0: id_token_hint checked against our keys, registered post-logout URIs only."""

    def __init__(self, end_session, server=None):
        super().__init__(server)
        self._end_session = end_session

    def get_server_jwks(self):
        return verification_keyset(current_app.config["SECRET_KEY"], utcnow(), config.key_retention())

    def get_algorithms(self) -> list[str]:
        return ["RS256"]

    def end_session(self, end_session_request):
        self._end_session()
