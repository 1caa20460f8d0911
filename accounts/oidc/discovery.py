"""The provider metadata (OpenID Connect Discovery 1.0 / RFC 8414): exactly what this provider supports."""

from .assurance import ACR_VALUES_SUPPORTED
from .config import SCOPES_SUPPORTED

SECRET_METHODS = ["client_secret_basic", "client_secret_post"]

# Paths of the endpoints, relative to the issuer.
PATHS = {
    "authorization_endpoint": "/authorize",
    "token_endpoint": "/oauth/token",
    "userinfo_endpoint": "/oauth/userinfo",
    "jwks_uri": "/oauth/jwks",
    "revocation_endpoint": "/oauth/revoke",
    "introspection_endpoint": "/oauth/introspect",
    "end_session_endpoint": "/end-session",
}


def provider_metadata(issuer: str) -> dict:
    """The discovery document for this issuer."""
    return {
        "issuer": issuer,
        **{name: issuer + path for name, path in PATHS.items()},
        "scopes_supported": SCOPES_SUPPORTED,
        # Code flow only (SPEC §2.4): no implicit or hybrid, so tokens never travel in URLs.
        "response_types_supported": ["code"],
        "response_modes_supported": ["query"],
        "grant_types_supported": ["authorization_code", "refresh_token"],
        "code_challenge_methods_supported": ["S256"],
        "subject_types_supported": ["public"],
        "id_token_signing_alg_values_supported": ["RS256"],
        "token_endpoint_auth_methods_supported": [*SECRET_METHODS, "none"],
        "revocation_endpoint_auth_methods_supported": [*SECRET_METHODS, "none"],
        "introspection_endpoint_auth_methods_supported": SECRET_METHODS,
        "claims_supported": [
            "iss",
            "sub",
            "aud",
            "exp",
            "iat",
            "auth_time",
            "nonce",
            "acr",
            "amr",
            "sid",
            "at_hash",
            "name",
            "email",
            "email_verified",
        ],
        "prompt_values_supported": ["none", "login", "consent"],
        # Step-up (SPEC §2.2): the one acr value we can satisfy, "a second factor was used".
        "acr_values_supported": ACR_VALUES_SUPPORTED,
        "claims_parameter_supported": False,
        "request_parameter_supported": False,
        "request_uri_parameter_supported": False,
        "authorization_response_iss_parameter_supported": True,
        "backchannel_logout_supported": True,
        "backchannel_logout_session_supported": True,
    }
