"""The tenant's OpenID client: Authlib, configured from discovery, with PKCE S256."""

import requests
from authlib.integrations.flask_client import OAuth
from flask import Flask, current_app

from ..site.settings import TenantSettings

SCOPES = "openid profile email offline_access orgs todos:read todos:write"
# Calls to the provider never hang a request for long (SPEC §3.1: a dead provider gets an error page).
PROVIDER_TIMEOUT_SECONDS = 5


class ProviderUnavailable(Exception):
    """The provider could not be reached or answered nonsense."""


def init_oidc_client(app: Flask, tenant: TenantSettings) -> None:
    """Register the provider for this tenant; metadata and keys come from discovery."""
    oauth = OAuth(app)
    client_kwargs = {
        "scope": app.config.get("OIDC_SCOPES", SCOPES),
        "code_challenge_method": "S256",
        "default_timeout": PROVIDER_TIMEOUT_SECONDS,
    }
    if not tenant.client_secret:
        client_kwargs["token_endpoint_auth_method"] = "none"  # noqa: S105 (public client: PKCE is the proof)
    oauth.register(
        "provider",
        client_id=tenant.client_id,
        client_secret=tenant.client_secret,
        server_metadata_url=f"{tenant.issuer}/.well-known/openid-configuration",
        client_kwargs=client_kwargs,
    )
    app.extensions["gatehouse_oidc"] = oauth


def provider():
    """This tenant's Authlib client for its provider."""
    return current_app.extensions["gatehouse_oidc"].provider


def metadata() -> dict:
    """The provider's discovery document (fetched once per process, then cached)."""
    try:
        data = provider().load_server_metadata()
    except (requests.RequestException, ValueError) as error:
        raise ProviderUnavailable(str(error)) from error
    if data.get("issuer") != current_app.config["TENANT"].issuer:
        # OIDC Discovery §4.3: the issuer in the document must be the one we configured.
        provider().server_metadata.clear()
        raise ProviderUnavailable("discovery document names another issuer")
    return data
