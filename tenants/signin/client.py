"""The tenant's OpenID client: Authlib, configured from discovery, with PKCE S256."""

import requests
from authlib.integrations.flask_client import OAuth
from flask import Flask, current_app

from common.request_log import REQUEST_ID_HEADER, request_id

from ..site.settings import DEFAULT_SCOPES, TenantSettings

# Calls to the provider never hang a request for long (SPEC §3.1: a dead provider gets an error page).
PROVIDER_TIMEOUT_SECONDS = 5


class ProviderUnavailable(Exception):
    """The provider could not be reached or answered nonsense."""


def init_oidc_client(app: Flask, tenant: TenantSettings) -> None:
    """Register the provider for this tenant; metadata and keys come from discovery."""
    oauth = OAuth(app)
    # No client-wide scope: sign-in names it (requested_scopes), and a refresh then asks for nothing
    # beyond the grant (RFC 6749 §6), where Authlib would re-send a client scope.
    client_kwargs = {
        "code_challenge_method": "S256",
        "default_timeout": PROVIDER_TIMEOUT_SECONDS,
    }
    if not tenant.client_secret:
        client_kwargs["token_endpoint_auth_method"] = "none"  # noqa: S105 (public client: PKCE is the proof)
    oauth.register(
        "provider",
        client_id=tenant.client_id,
        client_secret=tenant.client_secret,
        server_metadata_url=discovery_url(tenant.issuer),
        client_kwargs=client_kwargs,
        compliance_fix=_pass_request_id,
    )
    app.extensions["gatehouse_oidc"] = oauth


def _pass_request_id(session) -> None:
    """Authlib calls this for each provider session: the provider's log lines then carry our request's id."""
    if rid := request_id():
        session.headers[REQUEST_ID_HEADER] = rid


def discovery_url(issuer: str) -> str:
    """OIDC Discovery §4: the issuer without a terminating "/", then /.well-known/openid-configuration."""
    return issuer.rstrip("/") + "/.well-known/openid-configuration"


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


def requested_scopes(tenant: TenantSettings, meta: dict) -> str:
    """The scope of a sign-in: the configured list as is, or the defaults the provider advertises.

    A provider may refuse a scope it does not know (RFC 6749 §4.1.2.1 invalid_scope), so with the
    defaults the tenant asks only for those in discovery's scopes_supported, when it lists them.
    """
    wanted = list(tenant.scopes or [s for s in DEFAULT_SCOPES if s != "orgs" or tenant.orgs_claim])
    if tenant.offline_access and "offline_access" not in wanted:
        wanted.append("offline_access")
    if not tenant.offline_access:
        wanted = [s for s in wanted if s != "offline_access"]
    supported = meta.get("scopes_supported")
    if tenant.scopes is None and isinstance(supported, list) and supported:
        wanted = [s for s in wanted if s == "openid" or s in supported]
    return " ".join(wanted)
