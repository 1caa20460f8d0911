"""Second-factor pages: the sign-in step, and the Security page (enrol, backup codes, devices, turn off)."""

import json

from flask import Blueprint, abort, current_app, flash, g, redirect, render_template, request, url_for

from common.clock import utcnow
from common.form_state import restore_form, stash_form

from ..audit.events import record_event
from ..audit.origin import request_origin
from ..decorators import login_required
from ..extensions import db, limiter
from ..federation.client import upstreams
from ..federation.services import identities_of
from ..impersonation.history import impersonations_of
from ..impersonation.policy import impersonating
from ..passkeys.forms import NameForm
from ..passkeys.services import passkeys_of
from ..sessions import signin_flow
from ..sessions.authentication import stored_user_id
from ..sessions.slots import FRESH_BACKUP_CODES
from . import backup_codes, device_cookie, emails, services, totp, trusted_devices
from .encryption import SealError, seal, unseal
from .factors import has_second_factor, has_totp, second_factors
from .forms import ActionForm, ChallengeForm, ConfirmEnrolmentForm, ReauthenticateForm
from .settings import MfaSettings, mfa_settings
from .stage import SecondFactorStage

bp = Blueprint("mfa", __name__)


@bp.after_request
def never_cache(response):
    """Secrets and one-time codes must not stay in browser or proxy caches (RFC 9111 §5.2.2.5)."""
    response.headers["Cache-Control"] = "no-store"
    return response


def _see_other(endpoint: str, **values):
    """Answer a POST with 303, so a reload never re-submits it."""
    return redirect(url_for(endpoint, **values), code=303)


def _settings() -> MfaSettings:
    return mfa_settings(current_app.config)


def _reauth_key() -> str:
    """Rate-limit key for password re-entry: the signed-in account."""
    return f"reauth:{stored_user_id()}"


def _reauth_failed(response) -> bool:
    return bool(g.get("credential_failed"))


def _fail(form, error: services.SecondFactorError, endpoint: str):
    """Show a refused form again, as typed, with the rule's message (Post/Redirect/Get)."""
    stash_form(form, {error.field: [str(error)]})
    return _see_other(endpoint)


def _show_codes_once(codes: list[str]) -> None:
    """Keep fresh codes for the next page only, sealed, so the session table never holds them readable."""
    FRESH_BACKUP_CODES.put(seal(_settings().keys.secrets, json.dumps(codes), context=f"fresh-codes:{g.user.id}"))


@bp.route("/sign-in/two-factor", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["RATELIMIT_SIGNIN_PER_IP"], methods=["POST"])
def challenge():
    """The second sign-in step: an app or backup code, or a passkey (passkey_views.py); only what the user has."""
    pending = signin_flow.in_progress()
    if pending is None:
        flash("Your sign-in timed out or was not started. Please sign in again.", "error")
        return _see_other("identity.sign_in")
    form = ChallengeForm()
    if request.method == "GET":
        return render_template(
            "accounts/mfa/challenge.html",
            form=restore_form(form),
            cancel_form=ActionForm(),
            factors=second_factors(pending.user.id),
        )
    if not form.validate_on_submit():
        stash_form(form)
        return _see_other("mfa.challenge")
    try:
        result = services.verify_second_factor(
            pending.user, form.code.data, settings=_settings(), origin=request_origin(), now=utcnow()
        )
    except services.SecondFactorError as error:
        record_event(
            "signin.failed",
            actor_id=pending.user.id,
            origin=request_origin(),
            now=utcnow(),
            details={"why": "second-factor"},
        )
        db.session.commit()  # the failure stays counted, with its events (and a lockout's)
        if isinstance(error, services.LockedOut) and error.just_now:
            emails.send_locked_out(pending.user, error.until)
        return _fail(form, error, "mfa.challenge")
    raw = None
    if form.remember.data:
        raw = services.trust_device(pending.user, settings=_settings(), origin=request_origin(), now=utcnow())
    # Committed before the sign-in completes: that may end a replaced session and call its clients.
    db.session.commit()
    response = signin_flow.stage_passed(SecondFactorStage.name, ["otp"])
    if raw is not None:
        device_cookie.set_device_cookie(response, pending.user.id, raw)
    if result.method == "backup":
        flash(
            f"You used a backup code; {result.codes_left} left. Make new ones on the Security page if you run low.",
            "info" if result.codes_left > 2 else "error",
        )
    return response


@bp.post("/sign-in/two-factor/cancel")
def cancel():
    """Give up the half-finished sign-in."""
    if ActionForm().validate_on_submit():
        signin_flow.cancel()
    return _see_other("identity.sign_in")


@bp.get("/security")
@login_required
def security():
    """Two-factor status, backup codes, passkeys, trusted devices, and every time an admin acted as you."""
    user_id = g.user.id
    return render_template(
        "accounts/mfa/security.html",
        enabled=has_totp(user_id),
        codes_left=backup_codes.codes_left(user_id),
        devices=trusted_devices.list_devices(user_id, utcnow()),
        impersonations=impersonations_of(user_id),
        passkeys=passkeys_of(user_id),
        sign_in_identities=identities_of(user_id),
        provider_names={slug: u.name for slug, u in upstreams().items()},
        impersonating=impersonating(),
        name_form=NameForm(),
        form=ActionForm(),
    )


@bp.post("/security/two-factor/start")
@login_required
def start_enrolment():
    """Make a new secret to add to an authenticator app."""
    try:
        services.begin_enrolment(g.user, keys=_settings().keys, now=utcnow())
    except services.SecondFactorError as error:
        flash(str(error), "info")
        return _see_other("mfa.security")
    db.session.commit()
    return _see_other("mfa.enrol")


@bp.route("/security/two-factor/enrol", methods=["GET", "POST"])
@login_required
def enrol():
    """Show the new secret as QR code and text; a valid code switches 2FA on."""
    secret = services.enrolment_secret(g.user, keys=_settings().keys)
    if secret is None:
        return _see_other("mfa.security")
    form = ConfirmEnrolmentForm()
    if request.method == "GET":
        uri = totp.provisioning_uri(secret, g.user.email, _settings().issuer)
        return render_template(
            "accounts/mfa/enrol.html",
            form=restore_form(form),
            qr=totp.qr_svg_data_uri(uri),
            secret=secret,
            groups=totp.grouped(secret),
        )
    if not form.validate_on_submit():
        stash_form(form)
        return _see_other("mfa.enrol")
    try:
        codes = services.confirm_enrolment(
            g.user, form.code.data, keys=_settings().keys, origin=request_origin(), now=utcnow()
        )
    except services.SecondFactorError as error:
        return _fail(form, error, "mfa.enrol")
    db.session.commit()
    _show_codes_once(codes)
    flash("Two-factor authentication is on. Save your backup codes now.", "success")
    return _see_other("mfa.fresh_codes")


@bp.get("/security/backup-codes")
@login_required
def fresh_codes():
    """The backup codes just made, shown this once."""
    sealed = FRESH_BACKUP_CODES.take() or ""
    try:
        codes = json.loads(unseal(_settings().keys.secrets, sealed, context=f"fresh-codes:{g.user.id}"))
    except SealError:
        flash("Backup codes are shown only once. Make new ones if you lost them.", "info")
        return _see_other("mfa.security")
    return render_template("accounts/mfa/backup_codes.html", codes=codes, account=g.user.email)


@bp.route("/security/backup-codes/new", methods=["GET", "POST"])
@login_required
@limiter.limit(
    lambda: current_app.config["RATELIMIT_REAUTH"], key_func=_reauth_key, methods=["POST"], deduct_when=_reauth_failed
)
def regenerate_codes():
    """New backup codes (the password again); the old ones stop working."""
    form = ReauthenticateForm()
    if not form.validate_on_submit():
        if request.method == "POST":
            stash_form(form)
            return _see_other("mfa.regenerate_codes")
        return render_template("accounts/mfa/regenerate.html", form=restore_form(form))
    try:
        codes = services.regenerate_backup_codes(
            g.user,
            form.password.data,
            params=current_app.config["ARGON2_PARAMETERS"],
            keys=_settings().keys,
            origin=request_origin(),
            now=utcnow(),
        )
    except services.SecondFactorError as error:
        g.credential_failed = True
        return _fail(form, error, "mfa.regenerate_codes")
    db.session.commit()
    _show_codes_once(codes)
    flash("New backup codes are ready; the old ones no longer work.", "success")
    return _see_other("mfa.fresh_codes")


@bp.route("/security/two-factor/disable", methods=["GET", "POST"])
@login_required
@limiter.limit(
    lambda: current_app.config["RATELIMIT_REAUTH"], key_func=_reauth_key, methods=["POST"], deduct_when=_reauth_failed
)
def disable():
    """Turn 2FA off (the password again); backup codes and trusted devices go with it."""
    form = ReauthenticateForm()
    if not form.validate_on_submit():
        if request.method == "POST":
            stash_form(form)
            return _see_other("mfa.disable")
        keeps_passkeys = second_factors(g.user.id).passkey
        return render_template("accounts/mfa/disable.html", form=restore_form(form), keeps_passkeys=keeps_passkeys)
    try:
        services.disable_second_factor(
            g.user,
            form.password.data,
            params=current_app.config["ARGON2_PARAMETERS"],
            origin=request_origin(),
            now=utcnow(),
        )
    except services.SecondFactorError as error:
        g.credential_failed = True
        return _fail(form, error, "mfa.disable")
    db.session.commit()
    if has_second_factor(g.user.id):
        flash("Codes from your authenticator app are off; your passkeys are still your second step.", "success")
    else:
        emails.send_second_factor_off(g.user)
        flash("Two-factor authentication is off. Your backup codes and trusted devices were removed.", "success")
    response = _see_other("mfa.security")
    device_cookie.clear_device_cookie(response)
    return response


@bp.post("/security/devices/forget-all")
@login_required
def forget_all_devices():
    """Every trusted browser must give the second factor again."""
    count = services.forget_devices(g.user, origin=request_origin(), now=utcnow())
    db.session.commit()
    flash(f"Forgot {count} trusted device{'s' if count != 1 else ''}.", "success")
    response = _see_other("mfa.security")
    device_cookie.clear_device_cookie(response)
    return response


@bp.post("/security/devices/<int:device_id>/forget")
@login_required
def forget_device(device_id: int):
    """One trusted browser must give the second factor again (only yours: scoped by user)."""
    if services.forget_devices(g.user, origin=request_origin(), now=utcnow(), device_id=device_id) == 0:
        abort(404)
    db.session.commit()
    flash("That device will be asked for a code again.", "success")
    return _see_other("mfa.security")
