"""Grants: authorization code with OpenID Connect and strict PKCE, and refresh tokens that rotate.

Authlib supplies the protocol; these subclasses add what its defaults leave out (see docs/oidc.md).
"""

from authlib.oauth2.rfc6749 import InvalidGrantError, InvalidRequestError, InvalidScopeError, grants
from authlib.oauth2.rfc7636.challenge import CodeChallenge, compare_s256_code_challenge
from authlib.oidc import core as oidc
from authlib.oidc.core.errors import RequestNotSupportedError, RequestURINotSupportedError
from authlib.oidc.core.grants.util import is_openid_scope, validate_nonce

from common.clock import utcnow

from . import config, services
from .claims import user_claims
from .client_rows import already_read, client_for_authorization
from .code_grants import CodeGrant, code_grant
from .refresh_grants import RefreshGrant, refresh_grant
from .tokens import Grantee, current_signing_keyset, id_token_claims, session_claims

# Public clients send no secret ("none"); confidential ones one of the two secret methods.
TOKEN_AUTH_METHODS = ["client_secret_basic", "client_secret_post", "none"]


class StrictCodeChallenge(CodeChallenge):
    """PKCE for every client, S256 only (RFC 9700 §2.1.1); Authlib alone accepts no challenge and plain."""

    SUPPORTED_CODE_CHALLENGE_METHOD = ["S256"]
    CODE_CHALLENGE_METHODS = {"S256": compare_s256_code_challenge}

    def __init__(self):
        super().__init__(required=True)

    def validate_code_challenge(self, grant, redirect_uri):
        data = grant.request.payload.data
        if not data.get("code_challenge"):
            # RFC 9700 §2.1.1: without PKCE a stolen or injected code can be redeemed.
            raise InvalidRequestError("PKCE is required: send code_challenge with code_challenge_method=S256.")
        if data.get("code_challenge_method") != "S256":
            # RFC 7636 §4.2: a missing method means plain, where the challenge is the verifier itself.
            raise InvalidRequestError("Only code_challenge_method=S256 is supported.")
        super().validate_code_challenge(grant, redirect_uri)

    def validate_code_verifier(self, grant, result):
        code = grant.request.authorization_code
        verifier = grant.request.form.get("code_verifier")
        if not code.code_challenge and not verifier:
            raise InvalidGrantError("This code was issued without a PKCE challenge and cannot be redeemed.")
        if code.code_challenge and not verifier:
            # RFC 7636 §4.6: a verifier that does not verify (here: none at all) is invalid_grant.
            raise InvalidGrantError("This code was issued with a PKCE challenge: send its code_verifier.")
        if code.code_challenge and code.code_challenge_method != "S256":
            raise InvalidGrantError("This code's PKCE method is not supported.")
        # Authlib refuses a verifier for a code without challenge (RFC 9700 §4.8) and checks the S256 match.
        super().validate_code_verifier(grant, result)


class OpenIDCode(oidc.OpenIDCode):
    """ID tokens for the code flow, signed RS256 with the current key; nonce required."""

    def __init__(self):
        super().__init__(require_nonce=True)

    def validate_openid_authorization_request(self, grant, redirect_uri):
        # The grant read whether this client sent this nonce before with the client itself (one statement),
        # so Authlib's nonce rule is answered from that instead of exists_nonce's own query.
        validate_nonce(grant.request, lambda _nonce, _request: grant.nonce_seen, self.require_nonce)

    def resolve_client_private_key(self, client):
        return current_signing_keyset()

    def get_client_algorithm(self, client):
        return "RS256"

    def get_client_claims(self, client):
        return id_token_claims(client)

    def get_authorization_code_claims(self, authorization_code: CodeGrant):
        return {**super().get_authorization_code_claims(authorization_code), **session_claims(authorization_code)}

    def generate_user_info(self, user, scope):
        return user_claims(user, scope)


class ReadsCredentialWithClient:
    """The presented code or refresh token is read with its client, user and orgs claim in one statement.

    Client authentication that follows finds its client there (if the ids match) instead of reading it
    again. Read only: the secret, the client binding, replay detection and expiry are all still checked
    after the client is authenticated, exactly as before.
    """

    CREDENTIAL: str  # the form field that carries it
    read_credential: staticmethod  # its value -> the row with its client, user and orgs claim, or None
    _presented = None

    def authenticate_token_endpoint_client(self):
        value = self.request.form.get(self.CREDENTIAL)
        self._presented = self.read_credential(value) if value else None
        with already_read(self._presented.client if self._presented else None):
            return super().authenticate_token_endpoint_client()

    def authenticate_user(self, credential):
        # A GrantUser: the ID token and access token state the orgs claim read with the credential.
        return credential.user


class CarriesImpersonation:
    """Tokens carry the impersonation of the code or refresh token they are issued for (RFC 8693 §4.1 `act`)."""

    def generate_token(self, user=None, **kwargs):
        source = self.request.authorization_code or self.request.refresh_token
        return super().generate_token(user=Grantee(user, source.impersonation), **kwargs)


class AuthorizationCodeGrant(ReadsCredentialWithClient, CarriesImpersonation, grants.AuthorizationCodeGrant):
    """The only way in: code flow, OpenID scope required, codes single use and short lived."""

    TOKEN_ENDPOINT_AUTH_METHODS = TOKEN_AUTH_METHODS
    CREDENTIAL = "code"
    read_credential = staticmethod(code_grant)

    def validate_authorization_request(self):
        # Authlib validates again when it answers (create_authorization_response): same request, same answer,
        # so the client is not read and the nonce not checked a second time.
        if self._validated_redirect_uri is None:
            self._validated_redirect_uri = self._validate_authorization_request()
        return self._validated_redirect_uri

    _validated_redirect_uri: str | None = None
    nonce_seen = False  # whether the client sent this request's nonce before (OpenIDCode's replay rule)

    def _validate_authorization_request(self) -> str:
        data = self.request.payload.data
        client, self.nonce_seen = client_for_authorization(self.request.payload.client_id, data.get("nonce"))
        with already_read(client):
            redirect_uri = super().validate_authorization_request()
        if "request" in data:
            raise RequestNotSupportedError(redirect_uri=redirect_uri)
        if "request_uri" in data:
            raise RequestURINotSupportedError(redirect_uri=redirect_uri)
        if not is_openid_scope(self.request.scope):
            raise InvalidScopeError("Include the openid scope: this is an OpenID provider.", redirect_uri=redirect_uri)
        return redirect_uri

    def validate_token_request(self):
        if not self.request.form.get("redirect_uri"):
            # RFC 6749 §4.1.3: required when the authorization request had one, which every code here had.
            raise InvalidRequestError("Send the redirect_uri the code was requested with.")
        return super().validate_token_request()

    def save_authorization_code(self, code, request):
        data = request.payload.data
        services.store_code(
            code,
            client=request.client,
            signed_in=request.user,
            redirect_uri=request.payload.redirect_uri,
            scope=request.scope,
            nonce=data.get("nonce"),
            code_challenge=data.get("code_challenge"),
            code_challenge_method=data.get("code_challenge_method"),
            now=utcnow(),
            lifetime=config.seconds("CODE"),
        )

    def query_authorization_code(self, code, client):
        return services.find_code(self._presented, client, utcnow())

    def delete_authorization_code(self, authorization_code: CodeGrant):
        if not services.redeem_code(authorization_code, self.request.issued, utcnow()):
            # A concurrent request redeemed it first: same as a replay (RFC 6749 §4.1.2).
            services.revoke_family(authorization_code.family_id, utcnow())
            raise InvalidGrantError("This code was already used.")


class RefreshTokenGrant(ReadsCredentialWithClient, CarriesImpersonation, grants.RefreshTokenGrant):
    """Refresh with rotation: every use returns a new refresh token and spends the old one."""

    TOKEN_ENDPOINT_AUTH_METHODS = TOKEN_AUTH_METHODS
    # RFC 9700 §4.14.2: rotation lets reuse of a stolen refresh token be detected.
    INCLUDE_NEW_REFRESH_TOKEN = True
    CREDENTIAL = "refresh_token"
    read_credential = staticmethod(refresh_grant)

    def authenticate_refresh_token(self, refresh_token):
        return services.usable_refresh_token(self._presented, self.request.client, utcnow())

    def revoke_old_credential(self, refresh_token: RefreshGrant):
        if not services.rotate_refresh_token(refresh_token, self.request.issued, utcnow()):
            services.revoke_family(refresh_token.family_id, utcnow())
            raise InvalidGrantError("This refresh token was already used.")
