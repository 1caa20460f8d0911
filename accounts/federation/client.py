"""Accounts as a relying party of upstream providers: Authlib's Flask client, code flow with PKCE S256.

Authlib keeps state, nonce and the PKCE verifier in the session, checks the state at the callback and
the ID token (signature against the discovered JWKS, iss, aud, exp, nonce); RFC 9207 `iss` is checked
here. Upstream tokens live for the callback only: the userinfo call, then they are dropped.
"""

from dataclasses import dataclass

import requests
from authlib.common.errors import AuthlibBaseError
from authlib.integrations.base_client.errors import MismatchingStateError, OAuthError
from authlib.integrations.flask_client import OAuth
from flask import Flask, current_app, request, session
from joserfc.errors import JoseError

from .config import UpstreamSettings

# A dead upstream must not hang a sign-in for long.
UPSTREAM_TIMEOUT_SECONDS = 5
_EXTENSION = "gatehouse_federation"


class UpstreamError(Exception):
    """The upstream answer must be refused; `status` is what the browser gets, the message says why."""

    def __init__(self, message: str, status: int = 400, why: str = "refused"):
        super().__init__(message)
        self.status = status
        self.why = why  # a short word for the audit log


@dataclass(frozen=True)
class UpstreamIdentity:
    """Who the upstream says signed in, from its validated ID token and userinfo."""

    iss: str
    sub: str
    email: str | None
    email_verified: bool
    name: str
    acr: str | None
    amr: tuple[str, ...]


def init_clients(app: Flask, upstreams: dict[str, UpstreamSettings]) -> None:
    """Register one Authlib client per configured provider (metadata and keys from discovery, for OpenID)."""
    oauth = OAuth(app)
    for upstream in upstreams.values():
        kwargs = {
            "scope": " ".join(upstream.scopes),
            "code_challenge_method": "S256",
            "default_timeout": UPSTREAM_TIMEOUT_SECONDS,
        }
        if not upstream.client_secret:
            kwargs["token_endpoint_auth_method"] = "none"  # noqa: S105 (public client: PKCE is the proof)
        endpoints = (
            {"server_metadata_url": upstream.issuer.rstrip("/") + "/.well-known/openid-configuration"}
            if upstream.openid
            else {"authorize_url": upstream.authorize_url, "access_token_url": upstream.token_url}
        )
        oauth.register(
            upstream.slug,
            client_id=upstream.client_id,
            client_secret=upstream.client_secret,
            client_kwargs=kwargs,
            **endpoints,
        )
    app.extensions[_EXTENSION] = {"oauth": oauth, "upstreams": upstreams}


def upstreams() -> dict[str, UpstreamSettings]:
    """The providers configured for this app, by slug."""
    return current_app.extensions[_EXTENSION]["upstreams"]


def _client(slug: str):
    return current_app.extensions[_EXTENSION]["oauth"].create_client(slug)


def _metadata(upstream: UpstreamSettings) -> dict:
    """The provider's discovery document (cached by Authlib); its issuer must be the configured one."""
    client = _client(upstream.slug)
    try:
        meta = client.load_server_metadata()
    except (requests.RequestException, ValueError) as error:
        raise UpstreamError(f"{upstream.name} cannot be reached right now.", 503, "unreachable") from error
    if meta.get("issuer") != upstream.issuer:
        # OIDC Discovery §4.3: the issuer in the document must be the one we configured.
        client.server_metadata.clear()
        raise UpstreamError(f"{upstream.name} is misconfigured.", 503, "issuer-mismatch")
    return meta


def authorization_url(upstream: UpstreamSettings, redirect_uri: str) -> str:
    """Where to send the browser; state, nonce and the PKCE verifier are kept in this session by Authlib."""
    if upstream.openid:
        _metadata(upstream)
    client = _client(upstream.slug)
    try:
        rv = client.create_authorization_url(redirect_uri)
    except (requests.RequestException, ValueError) as error:
        raise UpstreamError(f"{upstream.name} cannot be reached right now.", 503, "unreachable") from error
    client.save_authorize_data(redirect_uri=redirect_uri, **rv)
    return rv["url"]


def _check_issuer(upstream: UpstreamSettings, meta: dict) -> None:
    """RFC 9207: the response must come from this provider's issuer (defeats mix-up attacks)."""
    iss = request.args.get("iss")
    if iss is None and meta.get("authorization_response_iss_parameter_supported"):
        raise UpstreamError("The answer did not say which provider sent it.", 400, "iss-missing")
    if iss is not None and iss != meta["issuer"]:
        raise UpstreamError("The answer came from another provider than the one asked.", 400, "iss-mismatch")


def finish(upstream: UpstreamSettings) -> UpstreamIdentity:
    """Validate the callback (state, iss, code exchange, ID token with nonce) and read who signed in."""
    state = request.args.get("state")
    if not state:
        raise UpstreamError("This sign-in was not started here. Please try again.", 400, "state-missing")
    client = _client(upstream.slug)
    if client.framework.get_state_data(session, state) is None:
        # Not a state this browser was given: refused before any call to the provider.
        raise UpstreamError("This sign-in link is stale or was not started here. Please try again.", 400, "state")
    try:
        if upstream.openid:
            meta = _metadata(upstream)
            _check_issuer(upstream, meta)
        if request.args.get("error"):
            error = request.args["error"][:64]
            status = 403 if error == "access_denied" else 400
            raise UpstreamError(f"{upstream.name} did not sign you in ({error}).", status, f"upstream:{error}")
        token = client.authorize_access_token()
        claims = _claims(upstream, client, token)
    except MismatchingStateError as error:
        raise UpstreamError(
            "This sign-in link is stale or was not started here. Please try again.", 400, "state"
        ) from error
    except requests.HTTPError as error:
        # It answered, with an error (say, a refused userinfo call): the sign-in fails, the provider is up.
        raise UpstreamError("The sign-in could not be completed. Please try again.", 400, "upstream-http") from error
    except requests.RequestException as error:
        raise UpstreamError(f"{upstream.name} cannot be reached right now.", 503, "unreachable") from error
    except (OAuthError, AuthlibBaseError, JoseError, KeyError, ValueError, TypeError) as error:
        raise UpstreamError(
            "The sign-in could not be completed. Please try again.", 400, type(error).__name__
        ) from error
    return _identity(upstream, claims)


def _claims(upstream: UpstreamSettings, client, token: dict) -> dict:
    """The validated ID token's claims with userinfo's added (same sub), or a plain OAuth 2 userinfo mapped."""
    if upstream.openid:
        if "id_token" not in token or not isinstance(token.get("userinfo"), dict):
            raise ValueError("no ID token in the token response")
        claims = dict(token["userinfo"])  # Authlib's validated ID token claims
        # Many providers keep email and profile claims at userinfo only (OIDC Core §5.4); some have none.
        extra = dict(client.userinfo(token=token)) if client.server_metadata.get("userinfo_endpoint") else {}
        # OIDC Core §5.3.2: userinfo about another sub must not be used.
        if extra.get("sub") == claims["sub"]:
            claims = extra | {k: claims[k] for k in ("iss", "sub", "acr", "amr") if k in claims}
        claims["iss"] = claims.get("iss") or upstream.issuer
        return claims
    response = client.get(upstream.userinfo_url, token=token, timeout=UPSTREAM_TIMEOUT_SECONDS)
    response.raise_for_status()
    return map_userinfo(upstream, response.json())


def map_userinfo(upstream: UpstreamSettings, data: dict) -> dict:
    """A plain OAuth 2 userinfo document as our claims, through the provider file's [claims] mapping."""
    if not isinstance(data, dict):
        raise ValueError("userinfo is not an object")
    claims = {ours: data.get(theirs) for ours, theirs in upstream.claims.items()}
    claims["iss"] = upstream.identity_issuer
    return claims


def _identity(upstream: UpstreamSettings, claims: dict) -> UpstreamIdentity:
    sub = claims.get("sub")
    if isinstance(sub, int) and not isinstance(sub, bool):
        sub = str(sub)  # GitHub's numeric user id
    if not isinstance(sub, str) or not sub or len(sub) > 255:
        raise UpstreamError("The provider did not say who signed in.", 400, "no-sub")
    email = claims.get("email")
    email = email.strip() if isinstance(email, str) and "@" in email and len(email) <= 254 else None
    name = claims.get("name")
    amr = claims.get("amr")
    return UpstreamIdentity(
        iss=upstream.identity_issuer,
        sub=sub,
        email=email,
        email_verified=claims.get("email_verified") is True,
        name=name.strip()[:100]
        if isinstance(name, str) and name.strip()
        else (email or "").split("@")[0] or "New user",
        acr=claims.get("acr") if isinstance(claims.get("acr"), str) else None,
        amr=tuple(m for m in amr if isinstance(m, str)) if isinstance(amr, list) else (),
    )
