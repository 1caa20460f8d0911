"""The Authlib authorization server and resource protector of one Accounts app, with every grant and endpoint."""

from datetime import timedelta

from authlib.integrations.flask_oauth2 import AuthorizationServer
from flask import Flask, current_app

from common.clock import utcnow

from ..audit.origin import request_origin
from ..sessions.signout_flow import sign_out
from . import config, services
from .client_rows import RegisteredClient, registered_client
from .endpoints import AccessTokenValidator, BearerProtector, EndSession, Introspection, Issuer, Revocation, UserInfo
from .grants import AuthorizationCodeGrant, OpenIDCode, RefreshTokenGrant, StrictCodeChallenge
from .tokens import AccessTokenGenerator


def query_client(client_id: str) -> RegisteredClient | None:
    """The registered client with this id (every authorize, token, revocation and introspection request)."""
    return registered_client(client_id)


def save_token(token: dict, request) -> None:
    """Stage a token response's rows on the request: the grant writes them with the spend of their source."""
    source = request.authorization_code or request.refresh_token
    now = utcnow()
    if request.authorization_code is not None:
        refresh_expires_at = now + timedelta(seconds=config.seconds("REFRESH_TOKEN"))
    else:
        # The family keeps the refresh deadline of its first token: rotation never extends a grant.
        refresh_expires_at = source.refresh_expires_at
    request.issued = services.issued_rows(
        token,
        client=request.client,
        user_id=request.user.id,
        sid=source.sid,
        family_id=source.family_id,
        now=now,
        refresh_expires_at=refresh_expires_at,
        # A refreshed token keeps the impersonation of its family (and its end).
        impersonation=source.impersonation,
        first_of_session=request.authorization_code is not None and not source.client_session_recorded,
    )


def end_accounts_session() -> None:
    """RP-initiated logout ends the Accounts session the usual way (which logs out every client)."""
    sign_out(via="app", origin=request_origin(), now=utcnow())


class Provider:
    """The app's authorization server, its issuer-parameter extension and its resource protector."""

    def __init__(self, app: Flask):
        self.server = AuthorizationServer(app, query_client=query_client, save_token=save_token)
        # Authlib answers invalid_scope for any requested scope outside this list.
        self.server.scopes_supported = config.SCOPES_SUPPORTED
        self.server.register_token_generator(
            "default", AccessTokenGenerator(app.config["SITE_URL"], app.config["OIDC_ACCESS_TOKEN_LIFETIME"])
        )
        self.server.register_grant(AuthorizationCodeGrant, [OpenIDCode(), StrictCodeChallenge()])
        self.server.register_grant(RefreshTokenGrant)
        # RFC 9207 has to be registered explicitly; Authlib does not add iss on its own.
        self.issuer = Issuer()
        self.server.register_extension(self.issuer)
        self.resource_protector = BearerProtector()
        self.resource_protector.register_token_validator(AccessTokenValidator())
        self.server.register_endpoint(UserInfo(resource_protector=self.resource_protector))
        self.server.register_endpoint(Revocation)
        self.server.register_endpoint(Introspection)
        self.server.register_endpoint(EndSession(end_accounts_session))


def provider() -> Provider:
    """The provider of the current app."""
    return current_app.extensions["gatehouse_oidc"]
