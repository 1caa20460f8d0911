"""Identity pages: thin views over identity.services (guard, validate, act, commit, flash, redirect 303)."""

from flask import Blueprint, current_app, flash, g, redirect, render_template, request, url_for

from common.clock import utcnow
from common.form_state import restore_form, stash_form
from common.safe_redirects import safe_next

from ..audit.events import record_event
from ..audit.origin import request_origin
from ..decorators import login_required
from ..extensions import db, limiter
from ..security_events import outbox
from ..sessions import authentication, demands, signin_flow
from ..sessions.services import end_sessions
from ..sessions.signout_flow import sign_out as end_signed_in_session
from . import emails, landing, services
from .forms import (
    ChangePasswordForm,
    ConfirmForm,
    ConfirmSignInForm,
    ResetPasswordForm,
    ResetRequestForm,
    SignInForm,
    SignUpForm,
)

bp = Blueprint("identity", __name__)

SIGN_UP_SENT = "Check your inbox: we sent a link to confirm your address. It is valid for 24 hours."
RESET_SENT = "If an account uses that address, we sent it a link to reset the password. It is valid for 30 minutes."
BAD_CREDENTIALS = "The email or password is not correct."
CONFIRM_REFUSED = "That password is not correct."


def see_other(endpoint: str, **values):
    """Answer a credential POST with 303, so a reload never re-submits it."""
    return redirect(url_for(endpoint, **values), code=303)


def _argon2() -> dict:
    return current_app.config["ARGON2_PARAMETERS"]


def _email_key() -> str:
    """Rate-limit key for per-account limits: the normalised email being tried."""
    email = request.form.get("email", "")
    if not email and g.get("user") is not None:
        email = g.user.email  # "Confirm it's you" names no account: it is the signed-in one
    return "account:" + services.normalise_email(email)[:254]


def user_key() -> str:
    """Rate-limit key for checks of the signed-in user's own password."""
    user_id = authentication.stored_user_id()
    return f"user:{user_id}" if user_id is not None else f"ip:{request.remote_addr}"


def _failed() -> bool:
    return bool(g.get("credential_failed"))


@bp.get("/")
def home():
    """Landing page with the apps to open (and the demo tour in development), or the signed-in user's overview."""
    demo = landing.demo_logins() if current_app.config["DEMO_TOUR"] else []
    return render_template("accounts/identity/home.html", tiles=landing.app_tiles(), demo_logins=demo)


@bp.route("/sign-up", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["RATELIMIT_SIGNIN_PER_IP"], methods=["POST"])
@limiter.limit(lambda: current_app.config["RATELIMIT_SIGNUP_PER_ADDRESS"], key_func=_email_key, methods=["POST"])
def sign_up():
    """Create an account; the answer is the same whether or not the email is registered."""
    form = SignUpForm()
    if not form.validate_on_submit():
        if request.method == "POST":
            stash_form(form)
            return see_other("identity.sign_up")
        return render_template("accounts/identity/sign_up.html", form=restore_form(form))
    try:
        result = services.sign_up(
            form.name.data,
            form.email.data,
            form.password.data,
            params=_argon2(),
            lifetime=current_app.config["EMAIL_TOKEN_LIFETIME"],
            now=utcnow(),
        )
    except services.IdentityError as error:
        stash_form(form, {error.field: [str(error)]})
        return see_other("identity.sign_up")
    db.session.commit()
    if result.created:
        emails.send_verification(result.user, result.token)
    else:
        emails.send_already_registered(result.user)
    flash(SIGN_UP_SENT, "info")
    return see_other("identity.check_inbox")


@bp.get("/check-inbox")
def check_inbox():
    """Where sign-up and reset requests land."""
    return render_template("accounts/identity/check_inbox.html")


@bp.route("/verify/<token>", methods=["GET", "POST"])
def verify_email(token: str):
    """Confirm an address; GET only shows a button, so mail scanners cannot use the link up."""
    form = ConfirmForm()
    if not form.validate_on_submit():
        return render_template("accounts/identity/verify.html", form=form)
    user = services.verify_email(token, utcnow())
    if user is None:
        flash("This confirmation link is invalid, used or expired. Sign in to get a new one.", "error")
        return see_other("identity.sign_in")
    db.session.commit()
    flash("Your email address is confirmed. You can sign in now.", "success")
    return see_other("identity.sign_in")


@bp.route("/sign-in", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["RATELIMIT_SIGNIN_PER_IP"], methods=["POST"])
@limiter.limit(
    lambda: current_app.config["RATELIMIT_SIGNIN_PER_ACCOUNT"],
    key_func=_email_key,
    methods=["POST"],
    deduct_when=lambda r: _failed(),
)
def sign_in():
    """Email and password; the same message for an unknown email and a wrong password.

    An app asking the signed-in user to sign in again (prompt=login, max_age, a second factor) gets
    "Confirm it's you" instead: the account is fixed, only the password is asked (GitHub's sudo mode).
    """
    next_raw = request.args.get("next", "") if request.method == "GET" else request.form.get("next", "")
    # Only a sign-in on its way back to the request that made the demand shows (and answers) it.
    demand = demands.pending(next_raw)
    if g.user is not None and demand is not None:
        return _confirm_sign_in(next_raw, demand)
    form = SignInForm()
    if request.method == "GET":
        form = restore_form(form)
        form.next.data = form.next.data or next_raw
        demand = demand or demands.pending(form.next.data)
        if g.user is not None:
            form.email.data = form.email.data or g.user.email
        return render_template("accounts/identity/sign_in.html", form=form, demand=demand)
    if not form.validate_on_submit():
        g.credential_failed = True
        stash_form(form)
        return see_other("identity.sign_in")
    return _first_factor(form, form.email.data, safe_next(form.next.data), retry=url_for("identity.sign_in"))


def _confirm_sign_in(next_raw: str, demand: demands.SignInDemand):
    """ "Confirm it's you": the signed-in account's password again; another account cannot be named here."""
    form = ConfirmSignInForm()
    retry = url_for("identity.sign_in", next=next_raw)
    if request.method == "GET":
        form = restore_form(form)
        form.next.data = next_raw
        return render_template("accounts/identity/sign_in_confirm.html", form=form, demand=demand, account=g.user)
    named = request.form.get("email")
    if named is not None and services.normalise_email(named) != g.user.email:
        # A form posted with someone else's address: this page re-authenticates the account signed in here only.
        stash_form(form, {"password": [f"This confirms {g.user.email} only. To use another account, sign out first."]})
        return redirect(retry, code=303)
    if not form.validate_on_submit():
        g.credential_failed = True
        stash_form(form)
        return redirect(retry, code=303)
    return _first_factor(form, g.user.email, safe_next(next_raw), retry=retry)


def _first_factor(form, email: str, next_url: str, *, retry: str):
    """Check email and password, then hand over to the sign-in flow (its stages may ask for more)."""
    try:
        user = services.authenticate(email, form.password.data, params=_argon2())
    except services.AccountBanned as banned:
        _record_failed_sign_in(email, "banned")
        stash_form(form, {"password": [str(banned)]})
        return redirect(retry, code=303)
    if user is None:
        g.credential_failed = True
        _record_failed_sign_in(email, "bad-credentials")
        stash_form(form, {"password": [BAD_CREDENTIALS if isinstance(form, SignInForm) else CONFIRM_REFUSED]})
        return redirect(retry, code=303)
    if user.email_verified_at is None:
        token = services.new_verification_token(user, lifetime=current_app.config["EMAIL_TOKEN_LIFETIME"], now=utcnow())
        db.session.commit()
        emails.send_verification(user, token)
        flash("Confirm your email address first: we sent you a new link.", "error")
        return see_other("identity.check_inbox")
    # Stages other contexts plug in (the second factor) may ask for more before the session begins.
    response = signin_flow.first_factor_passed(user, ["pwd"], next_url)
    db.session.commit()
    return response


def _record_failed_sign_in(email: str, why: str) -> None:
    """Audit a refused sign-in; the account it aimed at, if any, is the actor (for its security history)."""
    target = services.find_user(email)
    record_event(
        "signin.failed",
        actor_id=target.id if target else None,
        origin=request_origin(),
        now=utcnow(),
        details={"why": why},
    )
    db.session.commit()


@bp.post("/sign-out")
@login_required
def sign_out():
    """End this session (POST with CSRF, so no other site can sign you out)."""
    end_signed_in_session(via="accounts", origin=request_origin(), now=utcnow())
    flash("You are signed out.", "info")
    return see_other("identity.home")


@bp.route("/reset", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["RATELIMIT_RESET"], methods=["POST"])
@limiter.limit(lambda: current_app.config["RATELIMIT_RESET"], key_func=_email_key, methods=["POST"])
def reset_request():
    """Ask for a reset link; the answer never says whether the email is registered."""
    form = ResetRequestForm()
    if not form.validate_on_submit():
        if request.method == "POST":
            stash_form(form)
            return see_other("identity.reset_request")
        return render_template("accounts/identity/reset_request.html", form=restore_form(form))
    started = services.start_password_reset(
        form.email.data, lifetime=current_app.config["PASSWORD_RESET_LIFETIME"], now=utcnow()
    )
    if started is not None:
        db.session.commit()
        emails.send_password_reset(*started)
    flash(RESET_SENT, "info")
    return see_other("identity.check_inbox")


@bp.route("/reset/<token>", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["RATELIMIT_RESET"], methods=["POST"])
def reset_password(token: str):
    """Choose a new password through a reset link; every session of the user ends."""
    if services.reset_password_user(token, utcnow()) is None:
        return render_template("accounts/identity/reset_invalid.html"), 404
    form = ResetPasswordForm()
    if not form.validate_on_submit():
        if request.method == "POST":
            stash_form(form)
            return see_other("identity.reset_password", token=token)
        return render_template("accounts/identity/reset_password.html", form=restore_form(form))
    try:
        user = services.reset_password(token, form.password.data, params=_argon2(), now=utcnow())
    except services.IdentityError as error:
        stash_form(form, {error.field: [str(error)]})
        return see_other("identity.reset_password", token=token)
    record_event("password.reset", actor_id=user.id, origin=request_origin(), now=utcnow())
    outbox.credential_changed(user.id, utcnow(), credential_type="password", change_type="update")
    end_sessions(user.id, reason="password-reset")
    db.session.commit()  # the new password, its event and the ended sessions; then they are announced
    if g.get("user") is not None and g.user.id == user.id:
        # This browser's row went with the user's sessions: go on anonymously under a fresh id (keeps the flash).
        authentication.forget_here()
    emails.send_password_changed(user)
    # No automatic sign-in: signing in again goes through every factor the account has.
    flash("Your password was changed and every session signed out. Sign in with the new password.", "success")
    return see_other("identity.sign_in")


@bp.route("/account/password", methods=["GET", "POST"])
@limiter.limit(
    lambda: current_app.config["RATELIMIT_PASSWORD_CHECK"],
    key_func=user_key,
    methods=["POST"],
    deduct_when=lambda r: _failed(),
)
@login_required
def change_password():
    """Change the password (the current one is required); other sessions end."""
    if not g.user.has_password:
        # An account made by an upstream sign-in has no current password to give: a reset link sets the first.
        flash("Your account has no password yet. Ask for a link to set one.", "info")
        return see_other("identity.reset_request")
    form = ChangePasswordForm()
    if not form.validate_on_submit():
        if request.method == "POST":
            stash_form(form)
            return see_other("identity.change_password")
        return render_template("accounts/identity/change_password.html", form=restore_form(form))
    try:
        services.change_password(g.user, form.current_password.data, form.password.data, params=_argon2(), now=utcnow())
    except services.IdentityError as error:
        g.credential_failed = error.field == "current_password"  # only wrong guesses count
        stash_form(form, {error.field: [str(error)]})
        return see_other("identity.change_password")
    record_event("password.changed", actor_id=g.user.id, origin=request_origin(), now=utcnow())
    outbox.credential_changed(g.user.id, utcnow(), credential_type="password", change_type="update")
    end_sessions(g.user.id, keep=authentication.current().sid, reason="password-change")
    db.session.commit()  # the new password, its event and the ended sessions; then they are announced
    emails.send_password_changed(g.user)
    flash("Your password was changed. Your other sessions were signed out.", "success")
    return see_other("identity.home")
