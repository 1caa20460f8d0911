"""Upstream sign-in pages: "Continue with …", the callback, proving an existing account, link and unlink."""

import time
from dataclasses import asdict
from datetime import timedelta

from flask import Blueprint, abort, current_app, flash, g, redirect, render_template, request, url_for

from common.clock import utcnow
from common.errors import render_error
from common.form_state import restore_form, stash_form
from common.safe_redirects import safe_next

from ..audit.events import record_event
from ..audit.origin import request_origin
from ..decorators import login_required
from ..extensions import db, limiter
from ..identity import emails as identity_emails
from ..identity import services as identity_services
from ..identity.models import User
from ..identity.passwords import verify_password
from ..identity.tokens import consume_token, issue_token, peek_token
from ..mfa.forms import ActionForm, ReauthenticateForm
from ..sessions import authentication, demands, signin_flow
from ..sessions.authentication import stored_user_id
from ..sessions.slots import FEDERATION_INTENT, FEDERATION_PENDING_LINK
from . import emails, services
from .client import UpstreamError, UpstreamIdentity, authorization_url, finish, upstreams
from .config import UpstreamSettings
from .forms import ProveAccountForm

bp = Blueprint("federation", __name__)


@bp.after_request
def never_cache(response):
    """Callback answers and proof pages are for one flow only (RFC 9111 §5.2.2.5)."""
    response.headers["Cache-Control"] = "no-store"
    return response


def _signin_limit() -> str:
    return current_app.config["RATELIMIT_SIGNIN_PER_IP"]


def _reauth_key() -> str:
    return f"reauth:{stored_user_id()}"


def _pending_key() -> str:
    """Rate-limit key for password proofs: the account being linked to."""
    pending = FEDERATION_PENDING_LINK.get()
    return f"federation-proof:{pending.get('user_id') if isinstance(pending, dict) else request.remote_addr}"


def _credential_failed(response) -> bool:
    return bool(g.get("credential_failed"))


def _upstream(slug: str) -> UpstreamSettings:
    upstream = upstreams().get(slug)
    if upstream is None:
        abort(404)
    return upstream


def _callback_url(slug: str) -> str:
    return current_app.config["SITE_URL"] + url_for("federation.callback", slug=slug)


def _go_upstream(upstream: UpstreamSettings, intent: dict):
    """Remember why we go, then send the browser to the provider (state, nonce, PKCE kept by Authlib)."""
    try:
        url = authorization_url(upstream, _callback_url(upstream.slug))
    except UpstreamError as error:
        return render_error(error.status, str(error), "Sign-in unavailable")
    FEDERATION_INTENT.put(intent | {"provider": upstream.slug})
    return redirect(url, code=303)


def _refused(upstream: UpstreamSettings, why: str, message: str, status: int, actor_id: int | None = None):
    """Audit a refused upstream sign-in and show why, with a 4xx (5xx only when the provider is down)."""
    details = {"provider": upstream.slug, "why": why[:64]}
    record_event("federation.signin_failed", actor_id=actor_id, origin=request_origin(), now=utcnow(), details=details)
    db.session.commit()
    return render_error(status, message, "Sign-in failed")


@bp.get("/sign-in/with/<slug>")
@limiter.limit(_signin_limit)
def start(slug: str):
    """ "Continue with <provider>": to its authorization endpoint, coming back to next."""
    return _go_upstream(_upstream(slug), {"next": safe_next(request.args.get("next"))})


@bp.get("/sign-in/with/<slug>/callback")
@limiter.limit(_signin_limit)
def callback(slug: str):
    """The provider's answer: checked (state, iss, code + PKCE, ID token, nonce), then sign in or link."""
    upstream = _upstream(slug)
    intent = FEDERATION_INTENT.take()
    intent = intent if isinstance(intent, dict) and intent.get("provider") == slug else {}
    try:
        identity = finish(upstream)
    except UpstreamError as error:
        return _refused(upstream, error.why, str(error), error.status)
    if intent.get("link_for") is not None:
        return _linked(upstream, identity, intent["link_for"])
    return _sign_in(upstream, identity, safe_next(intent.get("next")))


def _sign_in(upstream: UpstreamSettings, identity: UpstreamIdentity, next_url: str):
    """A known (iss, sub) signs its user in; an unknown one gets an account, a proof page, or a refusal."""
    row = services.find_identity(identity.iss, identity.sub)
    if (
        g.get("user") is not None
        and demands.pending(next_url) is not None
        and (row is None or row.user_id != g.user.id)
    ):
        # "Confirm it's you" re-authenticates the account signed in here only (like its password form).
        message = f"This confirms {g.user.email} only. To use another account, sign out first."
        return _refused(upstream, "confirm-other-account", message, 403, g.user.id)
    if row is not None:
        services.used(row, utcnow())
        return _enter(db.session.get(User, row.user_id), upstream, identity, next_url)
    decision = services.first_sign_in(upstream, identity)
    if decision.outcome == services.PROVE:
        FEDERATION_PENDING_LINK.put(
            {"provider": upstream.slug, "user_id": decision.user.id, "identity": asdict(identity), "next": next_url}
            | {"started": int(time.time())}
        )
        return redirect(url_for("federation.prove"), code=303)
    if decision.outcome == services.REFUSE_TAKEN:
        # Never merged: the provider did not vouch for the address, so anyone could have typed it there.
        message = (
            f"A Gatehouse account with this email address already exists, and {upstream.name} did not confirm "
            f"the address. Sign in with your password, then link {upstream.name} on your Security page."
        )
        return _refused(upstream, "unverified-email", message, 409)
    if decision.outcome == services.REFUSE_NO_EMAIL:
        message = f"{upstream.name} did not share an email address, which a Gatehouse account needs."
        return _refused(upstream, "no-email", message, 400)
    user = services.create_account(upstream, identity, origin=request_origin(), now=utcnow())
    return _enter(user, upstream, identity, next_url)


def _enter(user: User, upstream: UpstreamSettings, identity: UpstreamIdentity, next_url: str, also: tuple = ()):
    """Hand the upstream first factor to the sign-in flow (2FA still applies), after the checks a password gets."""
    now = utcnow()
    if user.is_banned(now):
        return _refused(upstream, "banned", str(identity_services.AccountBanned(user.banned_until)), 403, user.id)
    if user.email_verified_at is None:
        lifetime = current_app.config["EMAIL_TOKEN_LIFETIME"]
        token = identity_services.new_verification_token(user, lifetime=lifetime, now=now)
        db.session.commit()
        identity_emails.send_verification(user, token)
        flash("Confirm your email address first: we sent you a link.", "error")
        return redirect(url_for("identity.check_inbox"), code=303)
    methods = [*also, *services.amr_for(upstream, identity)]
    details = {"provider": upstream.slug, "amr": methods}
    record_event("federation.signed_in", actor_id=user.id, origin=request_origin(), now=now, details=details)
    response = signin_flow.first_factor_passed(user, methods, next_url)
    db.session.commit()
    return response


def _pending() -> dict | None:
    """The link waiting for its owner's password, or None (an expired or broken one is dropped)."""
    pending = FEDERATION_PENDING_LINK.get()
    lifetime = current_app.config["FEDERATION_PROOF_LIFETIME"].total_seconds()
    if not isinstance(pending, dict) or time.time() - pending.get("started", 0) >= lifetime:
        FEDERATION_PENDING_LINK.clear()
        return None
    if pending.get("provider") not in upstreams():
        FEDERATION_PENDING_LINK.clear()
        return None
    return pending


@bp.route("/sign-in/link-account", methods=["GET", "POST"])
@limiter.limit(
    lambda: current_app.config["RATELIMIT_SIGNIN_PER_ACCOUNT"],
    key_func=_pending_key,
    methods=["POST"],
    deduct_when=_credential_failed,
)
def prove():
    """An upstream address names an existing account: its password, then the link (no silent merge)."""
    pending = _pending()
    if pending is None:
        flash("That sign-in timed out. Please try again.", "error")
        return redirect(url_for("identity.sign_in"), code=303)
    user = db.session.get(User, pending["user_id"])
    upstream = upstreams()[pending["provider"]]
    form = ProveAccountForm()
    if not user.has_password or not form.validate_on_submit():
        if request.method == "POST":
            stash_form(form)
            return redirect(url_for("federation.prove"), code=303)
        return render_template(
            "accounts/federation/prove.html",
            form=restore_form(form),
            mail_form=ActionForm(),
            upstream=upstream,
            user=user,
        )
    params = current_app.config["ARGON2_PARAMETERS"]
    try:
        proved = identity_services.authenticate(user.email, form.password.data, params=params)
    except identity_services.AccountBanned as banned:
        FEDERATION_PENDING_LINK.clear()
        return _refused(upstream, "banned", str(banned), 403, user.id)
    if proved is None:
        g.credential_failed = True
        record_event(
            "signin.failed",
            actor_id=user.id,
            origin=request_origin(),
            now=utcnow(),
            details={"why": "federation-proof"},
        )
        db.session.commit()
        stash_form(form, {"password": ["That is not the password of this account."]})
        return redirect(url_for("federation.prove"), code=303)
    return _link_proved(pending, user, upstream, also=("pwd",))


def _link_proved(pending: dict, user: User, upstream: UpstreamSettings, also: tuple = ()):
    """The owner proved the account (password or mailed link): link the identity and sign in with it."""
    FEDERATION_PENDING_LINK.clear()
    identity = UpstreamIdentity(**{**pending["identity"], "amr": tuple(pending["identity"]["amr"])})
    try:
        services.link(user, upstream, identity, origin=request_origin(), now=utcnow())
    except services.FederationError as error:
        return _refused(upstream, "linked-elsewhere", str(error), 409, user.id)
    # The provider vouched for the address (trusted and verified, or no proof would be asked).
    user.email_verified_at = user.email_verified_at or utcnow()
    return _enter(user, upstream, identity, safe_next(pending.get("next")), also=also)


@bp.post("/sign-in/link-account/mail")
@limiter.limit(lambda: current_app.config["RATELIMIT_EMAIL_CHANGE"], key_func=_pending_key)
def mail_proof():
    """Prove the account by its inbox instead: a single-use link, valid while this sign-in waits."""
    pending = _pending()
    if pending is None:
        flash("That sign-in timed out. Please try again.", "error")
        return redirect(url_for("identity.sign_in"), code=303)
    user = db.session.get(User, pending["user_id"])
    lifetime = current_app.config["FEDERATION_PROOF_LIFETIME"]
    token = issue_token(user, services.LINK_BY_MAIL, lifetime, utcnow())
    db.session.commit()
    emails.send_link_confirmation(user, upstreams()[pending["provider"]].name, token)
    flash(f"We sent a link to {user.email}. Open it in this browser within 10 minutes.", "info")
    return redirect(url_for("identity.check_inbox"), code=303)


@bp.route("/sign-in/link-account/confirm/<token>", methods=["GET", "POST"])
@limiter.limit(_signin_limit, methods=["POST"])
def confirm_by_mail(token: str):
    """The mailed link: a button (mail scanners only GET), then the link, in the browser that asked only."""
    pending = _pending()
    live = peek_token(token, services.LINK_BY_MAIL, utcnow())
    if pending is None or live is None or live.user_id != pending["user_id"]:
        return render_error(400, "This link is used, expired or was asked for in another browser.", "Link failed")
    user = db.session.get(User, pending["user_id"])
    upstream = upstreams()[pending["provider"]]
    form = ActionForm()
    if not form.validate_on_submit():
        page = render_template("accounts/federation/confirm_mail.html", form=form, upstream=upstream, user=user)
        return page
    if consume_token(token, services.LINK_BY_MAIL, utcnow()) is None:
        return render_error(400, "This link is used, expired or was asked for in another browser.", "Link failed")
    return _link_proved(pending, user, upstream)


@bp.post("/sign-in/link-account/cancel")
def cancel_proof():
    """Give up linking; nothing was linked."""
    FEDERATION_PENDING_LINK.clear()
    return redirect(url_for("identity.sign_in"), code=303)


def _back_to_security():
    """303 to the security page's providers section, where link and unlink were started."""
    return redirect(url_for("mfa.security") + "#sign-in-providers", code=303)


def _recently_signed_in() -> bool:
    """A sign-in within the re-authentication window (for accounts with no password to re-enter)."""
    auth = authentication.current()
    window: timedelta = current_app.config["FEDERATION_REAUTH_WINDOW"]
    return auth is not None and time.time() - auth.auth_time < window.total_seconds()


@bp.route("/security/sign-in-providers/<slug>/link", methods=["GET", "POST"])
@login_required
@limiter.limit(
    lambda: current_app.config["RATELIMIT_REAUTH"],
    key_func=_reauth_key,
    methods=["POST"],
    deduct_when=_credential_failed,
)
def link(slug: str):
    """Link a provider to the signed-in account: the password again (or a recent sign-in), then the provider."""
    upstream = _upstream(slug)
    here = url_for("federation.link", slug=slug)
    form = ReauthenticateForm() if g.user.has_password else ActionForm()
    if not form.validate_on_submit():
        if request.method == "POST":
            stash_form(form)
            return redirect(here, code=303)
        recent = _recently_signed_in()
        return render_template(
            "accounts/federation/link.html", form=restore_form(form), upstream=upstream, recent=recent
        )
    if g.user.has_password:
        ok, _ = verify_password(g.user.password_hash, form.password.data, current_app.config["ARGON2_PARAMETERS"])
        if not ok:
            g.credential_failed = True
            stash_form(form, {"password": ["Your password is not correct."]})
            return redirect(here, code=303)
    elif not _recently_signed_in():
        minutes = int(current_app.config["FEDERATION_REAUTH_WINDOW"].total_seconds() // 60)
        flash(
            f"For your security, sign out and sign in again, then link the provider within {minutes} minutes.", "error"
        )
        return redirect(here, code=303)
    return _go_upstream(upstream, {"link_for": g.user.id})


def _linked(upstream: UpstreamSettings, identity: UpstreamIdentity, user_id: int):
    """Back from a link started on the security page: link it to the account that started it."""
    if g.get("user") is None or g.user.id != user_id:
        return _refused(upstream, "link-session-changed", "Sign in again, then link the provider.", 400)
    try:
        services.link(g.user, upstream, identity, origin=request_origin(), now=utcnow())
    except services.FederationError as error:
        return _refused(upstream, "linked-elsewhere", str(error), 409, g.user.id)
    db.session.commit()
    flash(f"{upstream.name} is linked: you can now sign in with it.", "success")
    return _back_to_security()


@bp.post("/security/sign-in-providers/<int:identity_id>/unlink")
@login_required
def unlink(identity_id: int):
    """Unlink one of your providers, unless it is your last way to sign in."""
    try:
        row = services.unlink(g.user, identity_id, origin=request_origin(), now=utcnow())
    except services.FederationError as error:
        flash(str(error), "error")
        return _back_to_security()
    if row is None:
        abort(404)
    db.session.commit()
    name = upstreams()[row.provider].name if row.provider in upstreams() else row.provider
    flash(f"{name} is no longer linked to your account.", "success")
    return _back_to_security()
