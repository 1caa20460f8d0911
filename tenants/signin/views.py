"""Sign-in, callback, sign-out and the back-channel logout endpoint of a tenant site."""

import logging
import time
from urllib.parse import parse_qsl, urlencode, urlsplit

import requests
from authlib.common.errors import AuthlibBaseError
from authlib.integrations.base_client.errors import MismatchingStateError, OAuthError
from flask import Blueprint, current_app, g, jsonify, redirect, render_template, request, session, url_for
from joserfc.errors import JoseError

from common.clock import utcnow
from common.errors import render_error
from common.safe_redirects import safe_next

from ..extensions import csrf, db
from . import backchannel, event_effects, resume, stepup, stepup_outcome
from . import security_events as se
from .client import ProviderUnavailable, metadata, provider, requested_scopes
from .forms import ResumeForm
from .identity import begin_local_session, end_local_session, with_userinfo
from .impersonation import MalformedImpersonation, impersonation_from_claims, stop_url, time_left_text
from .tokens import store_token_set

log = logging.getLogger(__name__)
bp = Blueprint("signin", __name__)

UNAVAILABLE = "The Gatehouse sign-in service cannot be reached right now. Please try again in a minute."
MALFORMED_ACT = (
    "The sign-in says an administrator is acting as this account, but not in a form this site understands, "
    "so it was refused. Stop the impersonation at Gatehouse, or ask the Gatehouse team to check its act claim."
)
# Shown in the flow inspector; the PKCE verifier is never recorded.
SHOWN_AUTH_PARAMS = (
    "response_type",
    "client_id",
    "redirect_uri",
    "scope",
    "code_challenge_method",
    "prompt",
    "max_age",
    "acr_values",
)


def _callback_url() -> str:
    return current_app.config["TENANT"].url + url_for("signin.callback")


@bp.get("/auth/sign-in")
def sign_in():
    """Send the browser to the provider's authorization endpoint (code flow, PKCE S256, state, nonce)."""
    prompt = request.args.get("prompt") if request.args.get("prompt") in {"none", "login"} else None
    return _authorize(safe_next(request.args.get("next")), {"prompt": prompt} if prompt else {})


@bp.get("/auth/step-up")
def step_up():
    """Ask the provider for a second factor given within max_age seconds (acr_values, max_age), then go to next."""
    max_age = stepup.step_up_max_age(request.args.get("max_age"))
    stepup_outcome.forget_refusal()  # asked again (say, after setting up 2FA): the last answer no longer holds
    extra = {"acr_values": stepup.MFA_ACR, "max_age": str(max_age)}
    # What the callback will hold the ID token to: kept here, never read back from the callback URL.
    return _authorize(safe_next(request.args.get("next")), extra, step_up={"max_age": max_age})


def _authorize(next_url: str, extra: dict, step_up: dict | None = None):
    """Redirect to the authorization endpoint with extra parameters, remembering the request in the session."""
    silent = extra.get("prompt") == "none"
    try:
        scope = requested_scopes(current_app.config["TENANT"], metadata())
        rv = provider().create_authorization_url(_callback_url(), scope=scope, **extra)
    except (ProviderUnavailable, requests.RequestException):
        if silent:
            return redirect(next_url)  # a silent check must never block the page
        return render_error(503, UNAVAILABLE, "Sign-in unavailable")
    provider().save_authorize_data(redirect_uri=_callback_url(), **rv)
    params = dict(parse_qsl(urlsplit(rv["url"]).query))
    session["signin"] = {
        "next": next_url,
        "silent": silent,
        "step_up": step_up,
        "request": {k: params[k] for k in SHOWN_AUTH_PARAMS if k in params} | {"sent_at": int(time.time())},
    }
    return redirect(rv["url"])


@bp.get("/auth/callback")
def callback():
    """Finish the code flow: check state, iss, code exchange with the PKCE verifier, ID token, nonce."""
    pending = session.pop("signin", None) or {}
    next_url = safe_next(pending.get("next"))
    error = request.args.get("error")
    if error and pending.get("silent") and _state_is_ours():
        # OIDC Core §3.1.2.6: whatever the error (login_required, invalid_scope …), a silent check
        # that fails means "not signed in there" — never an error page on a visitor's first view.
        log.info("Silent sign-in answered %s", error[:64])
        return _not_signed_in_silently(next_url)
    try:
        meta = metadata()
        _check_issuer(meta)
        if error:
            raise OAuthError(error=error[:64], description=(request.args.get("error_description") or "")[:200])
        # Authlib checks the ID token: signature (JWKS), iss, aud, exp, iat and our nonce.
        token = provider().authorize_access_token()
    except (ProviderUnavailable, requests.RequestException) as failure:
        log.warning("Sign-in callback failed, provider unreachable: %s", failure)
        return render_error(503, UNAVAILABLE, "Sign-in unavailable")
    except MismatchingStateError:
        log.warning("Sign-in callback refused: state not issued to this browser")
        return render_error(
            400, "This sign-in link is stale or was not started here. Please sign in again.", "Sign-in failed"
        )
    except (OAuthError, AuthlibBaseError, JoseError, KeyError, ValueError) as failure:
        log.warning("Sign-in callback refused: %s: %s", type(failure).__name__, failure)
        if error == "access_denied":
            return render_error(403, "Sign-in was cancelled.", "Sign-in cancelled")
        return render_error(400, "Sign-in could not be completed. Please try again.", "Sign-in failed")
    claims = with_userinfo(dict(token["userinfo"]), token)
    try:
        impersonation_from_claims(claims)
    except MalformedImpersonation as failure:
        # Signed by our provider, so a misshapen `act` is its bug: refuse rather than guess who is acting
        # (a guess would attribute every write of the session to the wrong person, or to nobody).
        log.warning("Sign-in refused, malformed impersonation claims: %s", failure)
        return render_error(400, MALFORMED_ACT, "Sign-in refused")
    site = current_app.config["SITE"]
    token_set_id = store_token_set(site, claims["iss"], claims["sub"], claims.get("sid"), token, utcnow())
    begin_local_session(claims, token_set_id, pending.get("request", {}))
    step_up = pending.get("step_up")
    if step_up and not stepup.second_factor_fresh(claims, now=int(time.time()), max_age=step_up["max_age"]):
        # A valid sign-in, but not the one we asked for: no redirect back, which would only ask again.
        log.info(
            "Step-up refused: acr=%r amr=%r auth_time=%r", claims.get("acr"), claims.get("amr"), claims.get("auth_time")
        )
        stepup_outcome.remember_refusal(claims["sub"], next_url, step_up["max_age"])
        # 303 to a clean URL: the callback's code is spent, so a reload of /auth/callback could only fail.
        return redirect(url_for("signin.second_factor_needed"), code=303)
    return redirect(next_url)


def _state_is_ours() -> bool:
    """The callback's state is one this browser's session was given (so a forged error cannot sign anyone out)."""
    state = request.args.get("state")
    return bool(state) and provider().framework.get_state_data(session, state) is not None


def _not_signed_in_silently(next_url: str):
    """A prompt=none answer with an error: anonymous visitors stay so; a signed-in user's renewal failed."""
    session["sso_checked"] = True
    if "sub" not in session:
        return redirect(next_url)
    # The provider session is gone, so is ours; a stashed POST waits for the user's next sign-in.
    log.warning("Silent re-authentication failed; signing out of %s", current_app.config["SITE"])
    stash = resume.stashed()
    end_local_session()
    session["sso_checked"] = True
    if stash:
        resume.restore(stash)
        return redirect(url_for("signin.sign_in", next=url_for("signin.resume")))
    return redirect(next_url)


@bp.get("/auth/resume", endpoint="resume")
def resume_post():
    """After a renewed sign-in, offer the form the user sent meanwhile, to send again with one press."""
    identity = g.get("identity")
    if identity is None:
        if resume.stashed():
            return redirect(url_for("signin.sign_in", next=url_for("signin.resume")))
        return redirect(url_for("site.home"))
    stash = resume.take_post(identity.iss, identity.sub)
    if stash is None:
        return redirect(url_for("site.home"))
    page = render_template("tenants/signin/resume.html", stash=stash, form=ResumeForm())
    return page, 200, {"Cache-Control": "no-store"}


@bp.get("/auth/second-factor-needed")
def second_factor_needed():
    """403: the page needs a recent second factor, and the step-up sign-in did not include one."""
    refused = stepup_outcome.refusal(session.get("sub"))
    if refused is None:
        return redirect(url_for("site.home"))
    again = url_for("signin.step_up", next=refused["next"], max_age=refused["max_age"])
    page = render_template(
        "tenants/signin/second_factor_needed.html",
        minutes=max(1, refused["max_age"] // 60),
        security_url=current_app.config["TENANT"].security_url,
        try_again_url=again,
    )
    return page, 403


def _check_issuer(meta: dict) -> None:
    """RFC 9207: the response must come from our issuer (defeats mix-up attacks)."""
    iss = request.args.get("iss")
    if iss is None and meta.get("authorization_response_iss_parameter_supported"):
        raise OAuthError(error="invalid_request", description="missing iss")
    if iss is not None and iss != meta["issuer"]:
        raise OAuthError(error="invalid_request", description="iss mismatch")


@bp.post("/auth/sign-out")
def sign_out():
    """End the local session, then the provider's (which back-channels every other tenant)."""
    id_token = end_local_session()
    signed_out = current_app.config["TENANT"].url + url_for("signin.signed_out")
    try:
        end_session = metadata().get("end_session_endpoint")
    except ProviderUnavailable:
        end_session = None
    if not end_session or not id_token:
        return redirect(url_for("signin.signed_out"), code=303)
    query = urlencode(
        {
            "id_token_hint": id_token,
            "post_logout_redirect_uri": signed_out,
            "client_id": current_app.config["TENANT"].client_id,
        }
    )
    return redirect(f"{end_session}?{query}", code=303)


@bp.get("/signed-out")
def signed_out():
    """Where the provider sends the browser after a global sign-out."""
    return render_template("tenants/signin/signed_out.html")


@bp.post("/auth/backchannel-logout")
@csrf.exempt  # a server-to-server call from the provider, authenticated by the signed logout token
def backchannel_logout():
    """OpenID Back-Channel Logout 1.0 §2.5: validate the logout token, end the sessions it names."""
    site = current_app.config["SITE"]
    try:
        meta = metadata()
        tenant = current_app.config["TENANT"]
        raw = request.form.get("logout_token", "")
        logout = backchannel.validate_logout_token(raw, issuer=meta["issuer"], client_id=tenant.client_id, now=utcnow())
        backchannel.remember_jti(site, logout, utcnow())
    except ProviderUnavailable:
        return _no_store(jsonify(error="temporarily_unavailable"), 503)
    except backchannel.InvalidLogoutToken as error:
        log.warning("Back-channel logout refused: %s", error)
        return _no_store(jsonify(error="invalid_request", error_description=str(error)), 400)
    ended = backchannel.end_local_sessions(site, meta["issuer"], logout)
    log.info("Back-channel logout ended %d session(s)", ended)
    return _no_store(current_app.response_class(status=200))


@bp.post("/auth/security-events")
@csrf.exempt  # a server-to-server push from the provider (RFC 8935), authenticated by the signed SET
def security_events():
    """RFC 8935 §2: accept a pushed SET with 202, or refuse it with 400 and an error code; act on it at once."""
    site, tenant = current_app.config["SITE"], current_app.config["TENANT"]
    if (request.content_length or 0) > se.MAX_BODY:
        return _set_refused(se.RefusedEvent("invalid_request", "the SET is too large"))
    if request.mimetype != "application/secevent+jwt":
        return _set_refused(se.RefusedEvent("invalid_request", "send the SET as application/secevent+jwt"))
    raw = request.get_data(as_text=True).strip()
    try:
        issuer = metadata()["issuer"]
        event = se.validate(raw, issuer=issuer, audience=tenant.client_id, now=utcnow())
        se.remember(site, event, event_effects.summary(event), utcnow())
    except ProviderUnavailable:
        return _no_store(
            jsonify(err="temporarily_unavailable", description="the provider's keys cannot be fetched"), 503
        )
    except se.RefusedEvent as refused:
        return _set_refused(refused)
    event_effects.apply(site, issuer, event, tenant.orgs_claim)
    db.session.commit()
    log.info("Security event %s for %s applied", se.short_name(event.event), event.sub)
    return _no_store(current_app.response_class(), 202)


def _set_refused(refused: se.RefusedEvent):
    """RFC 8935 §2.3: 400 with {"err": code, "description": text}."""
    log.warning("Security event refused (%s): %s", refused.err, refused.description)
    return _no_store(jsonify(err=refused.err, description=refused.description), 400)


def _no_store(response, status: int = 200):
    """BCL §2.8: the answer must not be cached."""
    response.status_code = status
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.before_app_request
def silent_sso_check():
    """On a first visit, ask the provider silently (prompt=none) whether an SSO session exists."""
    if (
        not current_app.config["TENANT"].silent_sso
        or g.get("identity") is not None
        or request.method != "GET"
        or session.get("sso_checked")
        or request.blueprint == "signin"
        or request.endpoint in {None, "static", "site.theme"}
        or request.path.startswith("/api/")
    ):
        return None
    session["sso_checked"] = True
    return redirect(url_for("signin.sign_in", prompt="none", next=request.full_path.rstrip("?")))


@bp.app_context_processor
def signed_in_identity():
    """Who the header names; its sign-out button is a plain form with the request's CSRF token (CSRFProtect checks)."""
    return {"identity": g.get("identity")}


@bp.app_context_processor
def impersonation_banner():
    """While an admin acts as the user, every page (errors too) names both, the reason, the time left, and Stop."""
    identity = g.get("identity")
    acting = identity.impersonation if identity else None
    if acting is None:
        return {"banner_template": None}
    user = (
        identity.name
        if not identity.email or identity.email == identity.name
        else f"{identity.name} ({identity.email})"
    )
    banner = {
        "actor": acting.actor_label,
        "user": user,
        "reason": acting.reason,
        "time_left": time_left_text(acting, utcnow()),
        "stop_url": stop_url(current_app.config["TENANT"].issuer),
    }
    return {"banner_template": "tenants/_impersonation_banner.html", "impersonation_banner": banner}
