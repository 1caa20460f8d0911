"""Passkey pages and their JSON endpoints: add, rename and remove on the security page."""

from flask import Blueprint, abort, current_app, flash, g, jsonify, redirect, render_template, request, url_for

from common.clock import utcnow
from common.form_state import restore_form, stash_form

from ..audit.events import record_event
from ..audit.origin import request_origin
from ..decorators import login_required
from ..extensions import db, limiter
from ..mfa import device_cookie, emails, factors
from ..mfa import services as mfa_services
from ..mfa.forms import ReauthenticateForm
from ..sessions.authentication import stored_user_id
from ..sessions.slots import PASSKEY_CHALLENGE
from . import services
from .ceremonies import PasskeyError, parse_response
from .forms import NameForm
from .web import json_error, options_response, rp

bp = Blueprint("passkeys", __name__)


@bp.after_request
def never_cache(response):
    """Challenges and options are for one ceremony only (RFC 9111 §5.2.2.5)."""
    response.headers["Cache-Control"] = "no-store"
    return response


def _user_key() -> str:
    """Rate-limit key for a signed-in account's passkey changes and password re-entry."""
    return f"passkeys:{stored_user_id()}"


def _reauth_failed(response) -> bool:
    return bool(g.get("credential_failed"))


@bp.post("/security/passkeys/options")
@login_required
@limiter.limit(lambda: current_app.config["RATELIMIT_PASSKEY_REGISTER"], key_func=_user_key)
def registration_options():
    """Options for navigator.credentials.create() (a fresh challenge for this user)."""
    challenge, options = services.start_registration(g.user, rp(), now=utcnow())
    db.session.commit()
    return options_response(challenge, options)


@bp.post("/security/passkeys")
@login_required
@limiter.limit(lambda: current_app.config["RATELIMIT_PASSKEY_REGISTER"], key_func=_user_key)
def register():
    """Store the passkey the browser just made: {"name": ..., "credential": PublicKeyCredential JSON}."""
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        return json_error("Send the passkey as JSON.")
    try:
        services.finish_registration(
            g.user,
            rp(),
            parse_response(body.get("credential")),
            challenge=PASSKEY_CHALLENGE.take(),
            name=body.get("name") if isinstance(body.get("name"), str) else None,
            origin=request_origin(),
            now=utcnow(),
        )
    except PasskeyError as error:
        db.session.commit()  # the challenge stays spent: a refused answer cannot be retried
        return json_error(str(error))
    db.session.commit()
    flash("Passkey added. You can now sign in with it.", "success")
    return jsonify(redirect=url_for("mfa.security")), 201


@bp.post("/security/passkeys/<int:passkey_id>/rename")
@login_required
def rename(passkey_id: int):
    """Give one of your passkeys a new name (only yours: scoped by user)."""
    form = NameForm()
    if not form.validate_on_submit():
        flash(f"A passkey name has 1 to {services.MAX_NAME} characters.", "error")
        return redirect(url_for("mfa.security"), code=303)
    try:
        passkey = services.rename(g.user.id, passkey_id, form.name.data)
    except PasskeyError as error:
        flash(str(error), "error")
        return redirect(url_for("mfa.security"), code=303)
    if passkey is None:
        abort(404)
    record_event(
        "passkey.renamed", actor_id=g.user.id, origin=request_origin(), now=utcnow(), details={"passkey_id": passkey_id}
    )
    db.session.commit()
    flash("Passkey renamed.", "success")
    return redirect(url_for("mfa.security"), code=303)


@bp.route("/security/passkeys/<int:passkey_id>/remove", methods=["GET", "POST"])
@login_required
@limiter.limit(
    lambda: current_app.config["RATELIMIT_REAUTH"], key_func=_user_key, methods=["POST"], deduct_when=_reauth_failed
)
def remove(passkey_id: int):
    """Remove one of your passkeys (the password again: a borrowed session must not strip them)."""
    own = services.passkeys_of(g.user.id)
    passkey = next((p for p in own if p.id == passkey_id), None)
    if passkey is None:
        abort(404)
    last = len(own) == 1 and not factors.has_totp(g.user.id)  # the only second factor: say so, as turning off TOTP does
    form = ReauthenticateForm()
    here = url_for("passkeys.remove", passkey_id=passkey_id)
    if not form.validate_on_submit():
        if request.method == "POST":
            stash_form(form)
            return redirect(here, code=303)
        return render_template("accounts/passkeys/remove.html", form=restore_form(form), passkey=passkey, last=last)
    try:
        services.remove(
            g.user,
            passkey_id,
            form.password.data,
            params=current_app.config["ARGON2_PARAMETERS"],
            origin=request_origin(),
            now=utcnow(),
        )
    except PasskeyError as error:
        g.credential_failed = True
        stash_form(form, {"password": [str(error)]})
        return redirect(here, code=303)
    unprotected = mfa_services.after_passkey_removed(g.user, origin=request_origin(), now=utcnow())
    db.session.commit()
    response = redirect(url_for("mfa.security"), code=303)
    if not unprotected:
        flash(f"Passkey “{passkey.name}” removed.", "success")
        return response
    emails.send_second_factor_off(g.user)
    device_cookie.clear_device_cookie(response)
    flash(
        f"Passkey “{passkey.name}” removed. It was your only second factor: signing in needs only your password now, "
        "and your trusted devices were forgotten.",
        "success",
    )
    return response
