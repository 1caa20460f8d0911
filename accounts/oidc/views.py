"""Provider endpoints: thin views over the Authlib server (authorize with consent, token, userinfo,
revocation, introspection, end-session, discovery, JWKS) and the "Connected apps" page."""

import time

from authlib.oauth2 import OAuth2Error
from authlib.oauth2.rfc6749 import InvalidRequestError
from authlib.oidc.core.errors import ConsentRequiredError, LoginRequiredError
from flask import Blueprint, current_app, flash, g, jsonify, redirect, render_template, request, url_for

from common.clock import utcnow
from common.errors import render_error

from ..audit.origin import request_origin
from ..decorators import login_required
from ..extensions import csrf, db
from ..mfa.factors import has_second_factor
from ..sessions import authentication, demands
from . import config, keys
from .assurance import second_factor_missing, wants_second_factor
from .claims import subject
from .consent import connected_apps, consent_needed, describe, grant_consent, withdraw_consent
from .discovery import provider_metadata
from .forms import ConsentForm, DisconnectForm, EndSessionForm
from .impersonation import Impersonation
from .interaction import BadMaxAge, Step, login_checks, next_step, parse_max_age
from .server import provider
from .services import SignedInSession

bp = Blueprint("oidc", __name__)

NO_STORE = {"Cache-Control": "no-store"}


def _signed_in() -> SignedInSession | None:
    """The signed-in user of this Accounts session, as the authorization request sees them."""
    auth = authentication.current()
    if auth is None:
        return None
    acting = Impersonation(auth.actor_id, auth.reason, auth.expires_at) if auth.impersonated else None
    return SignedInSession(auth.user_id, auth.sid, auth.auth_time, list(auth.amr), acting)


def _second_factor_missing(signed_in: SignedInSession | None, acr_wanted: bool) -> bool:
    """The client wants the second-factor acr, and the signed-in user has 2FA but did not use it in this session."""
    if signed_in is None or not acr_wanted:
        return False
    return second_factor_missing(wanted=True, amr=signed_in.amr, enrolled=has_second_factor(signed_in.user_id))


def _see_other_after_post(response):
    """After a form POST answer 303, so a reload never sends the form again."""
    if request.method == "POST" and response.status_code == 302:
        response.status_code = 303
    return response


def _authorization_error(error: OAuth2Error):
    """RFC 6749 §4.1.2.1: redirect errors to a verified redirect URI (with state and iss), else show a page."""
    if error.redirect_uri:
        p = provider()
        response = p.server.handle_error_response(None, error)
        p.issuer.add_issuer_parameter(p.server, response)
        return _see_other_after_post(response)
    # An unknown client or unregistered redirect URI: redirecting would make us an open redirector.
    reason = (error.get_error_description() or error.error).rstrip(".")
    message = f"{reason}. Nothing was sent back to the app that sent you here."
    return render_error(400, message, "This sign-in request is not valid")


@bp.route("/authorize", methods=["GET", "POST"])
def authorize():
    """Authorization endpoint: validate, then sign in, ask for consent, or issue a code."""
    p = provider()
    signed_in = _signed_in()
    state = request.values.get("state")
    try:
        grant = p.server.get_consent_grant(end_user=signed_in)
    except OAuth2Error as error:
        return _authorization_error(error)
    try:
        max_age = parse_max_age(request.values.get("max_age"))
    except BadMaxAge:
        message = "max_age must be a number of seconds."
        return _authorization_error(InvalidRequestError(message, redirect_uri=grant.redirect_uri, state=state))
    scope = grant.request.scope
    acr_wanted = wants_second_factor(request.values.get("acr_values"))
    auth_time = signed_in.auth_time if signed_in else None
    checks = {
        "prompts": set(request.values.get("prompt", "").split()),
        "max_age": max_age,
        "signed_in": signed_in is not None,
        "auth_time": auth_time,
        "now": int(time.time()),
        "second_factor_missing": _second_factor_missing(signed_in, acr_wanted),
        # A sign-in this request sent the user to has happened: prompt=login and max_age are answered.
        "answered": demands.answered(request.full_path, auth_time) is not None,
    }
    consent = signed_in is not None and consent_needed(grant.client, signed_in.user_id, scope)
    step = next_step(consent_needed=consent, **checks)
    if step is Step.LOGIN_REQUIRED:
        return _authorization_error(LoginRequiredError(redirect_uri=grant.redirect_uri, state=state))
    if step is Step.CONSENT_REQUIRED:
        return _authorization_error(ConsentRequiredError(redirect_uri=grant.redirect_uri, state=state))
    if step is Step.SIGN_IN:
        # The demand stays server-side; with the second-factor acr wanted, a trusted device must not skip the code.
        demands.demand(
            full_path=request.full_path,
            client_name=grant.client.name,
            checks=login_checks(**checks),
            second_factor=acr_wanted,
        )
        # next is the request itself, unchanged: what it demands is in the record, not in the URL.
        return redirect(url_for("identity.sign_in", next=request.full_path))
    if step is Step.CONSENT:
        form = ConsentForm()
        if not form.validate_on_submit():
            page = render_template("accounts/oidc/consent.html", form=form, client=grant.client, scopes=describe(scope))
            return page, 200, NO_STORE
        if not form.allow.data:
            demands.withdraw()
            return _see_other_after_post(p.server.create_authorization_response(grant=grant, grant_user=None))
        grant_consent(signed_in.user_id, grant.client, scope, utcnow(), origin=request_origin())
    demands.withdraw()  # answered: a replay of this request must sign in again if it asks to
    return _see_other_after_post(p.server.create_authorization_response(grant=grant, grant_user=signed_in))


# The next three are called by client back ends with client credentials, never by a browser with our
# cookies, so a CSRF token would protect nothing (and clients could not send one).
@bp.post("/oauth/token")
@csrf.exempt
def token():
    """Token endpoint: authorization_code and refresh_token grants."""
    # The ID token is made after the grant's commit from rows it did not change: no reload of code, client, user.
    db.session().expire_on_commit = False
    return provider().server.create_token_response()


@bp.post("/oauth/revoke")
@csrf.exempt
def revoke():
    """RFC 7009 token revocation."""
    return provider().server.create_endpoint_response("revocation")


@bp.post("/oauth/introspect")
@csrf.exempt
def introspect():
    """RFC 7662 token introspection, for authenticated clients."""
    return provider().server.create_endpoint_response("introspection")


@bp.route("/oauth/userinfo", methods=["GET", "POST"])
@csrf.exempt  # bearer API (OIDC Core §5.3.1 requires POST too): the token, not a cookie, authenticates.
def userinfo():
    """OIDC userinfo: claims by the access token's scope."""
    response = provider().server.create_endpoint_response("userinfo")
    response.headers.update(NO_STORE)
    return response


@bp.route("/end-session", methods=["GET", "POST"])
def end_session():
    """RP-Initiated Logout: end the Accounts session, then return only to a registered address."""
    p = provider()
    try:
        logout = p.server.validate_endpoint_request("end_session")
    except OAuth2Error as error:
        return render_error(400, f"The sign-out request is not valid: {error.get_error_description()}", "Sign-out")
    if request.values.get("post_logout_redirect_uri") and logout.redirect_uri is None:
        # RP-Initiated Logout §3: never redirect to an address the client did not register with an id_token_hint.
        message = "The app asked to send you to an address it has not registered, so you were not signed out."
        return render_error(400, message, "Sign-out request not valid")
    hinted_sub = (logout.id_token_claims or {}).get("sub")
    if g.get("user") is not None and hinted_sub != subject(g.user):
        # §6: without a matching id_token_hint anyone could sign you out, so ask first.
        form = EndSessionForm()
        if not form.validate_on_submit():
            return render_template("accounts/oidc/end_session.html", form=form, client=logout.client), 200, NO_STORE
    response = p.server.create_endpoint_response("end_session", logout)
    if response is None:
        flash("You are signed out.", "info")
        return redirect(url_for("identity.home"), code=303)
    return _see_other_after_post(response)


@bp.get("/.well-known/openid-configuration")
def discovery():
    """OpenID Connect Discovery document."""
    return jsonify(provider_metadata(config.issuer()))


@bp.get("/oauth/jwks")
def jwks():
    """The public keys tokens are signed with, including retired keys whose tokens may still be valid."""
    return jsonify(keys.public_jwks(current_app.config["SECRET_KEY"], utcnow(), config.key_retention()))


@bp.get("/connected-apps")
@login_required
def connected_apps_page():
    """Apps you allowed to use your account."""
    return render_template(
        "accounts/oidc/connected_apps.html", consents=connected_apps(g.user.id), form=DisconnectForm()
    )


@bp.post("/connected-apps/<client_id>/disconnect")
@login_required
def disconnect(client_id: str):
    """Withdraw consent from an app and revoke its tokens (scoped to your own consents)."""
    if not withdraw_consent(g.user.id, client_id, utcnow(), origin=request_origin()):
        return render_error(404)
    flash("The app is disconnected: it can no longer use your account.", "success")
    return redirect(url_for("oidc.connected_apps_page"), code=303)
