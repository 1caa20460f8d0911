"""Change-email pages on the identity blueprint: ask (password again), resend, cancel, and the emailed link.

Thin views over identity.email_change; each POST commits once, so a change and its audit event go together.
"""

from flask import current_app, flash, g, render_template, request
from sqlalchemy.exc import IntegrityError

from common.clock import utcnow
from common.form_state import restore_form, stash_form

from ..audit.origin import request_origin
from ..decorators import login_required
from ..extensions import db, limiter
from . import email_change, emails
from .forms import ChangeEmailForm, ConfirmForm
from .services import IdentityError
from .signals import password_changed
from .views import bp, see_other, user_key

MAILS_SCOPE = "email-change-mails"


def _mailed(_response) -> bool:
    return bool(g.get("email_change_mailed"))


def _send(change: email_change.ChangeRequest) -> None:
    """The link to a free address; to a taken one, a word to its owner instead (the requester sees no difference)."""
    if change.taken:
        emails.send_email_change_taken(change.new_email)
    else:
        emails.send_email_change_link(change.user, change.new_email, change.token)
    g.email_change_mailed = True


def _sent_message(new_email: str) -> str:
    return f"We sent a link to {new_email}. Open it within 24 hours to finish the change."


@bp.route("/account/email", methods=["GET", "POST"])
@limiter.limit(
    lambda: current_app.config["RATELIMIT_PASSWORD_CHECK"],
    key_func=user_key,
    methods=["POST"],
    deduct_when=lambda r: bool(g.get("credential_failed")),
)
@limiter.shared_limit(
    lambda: current_app.config["RATELIMIT_EMAIL_CHANGE"],
    MAILS_SCOPE,
    key_func=user_key,
    methods=["POST"],
    deduct_when=_mailed,
)
@login_required
def change_email():
    """Ask to move the account to a new address; the answer is the same whether or not it is taken."""
    if not g.user.has_password:
        # The change is confirmed with the password: an account made by an upstream sign-in sets one first.
        flash(
            "Changing your address needs your password, and your account has none yet. Ask for a link to set one.",
            "info",
        )
        return see_other("identity.reset_request")
    form = ChangeEmailForm()
    if not form.validate_on_submit():
        if request.method == "POST":
            stash_form(form)
            return see_other("identity.change_email")
        return render_template(
            "accounts/identity/change_email.html",
            form=restore_form(form),
            action_form=ConfirmForm(),
            pending=email_change.pending_change(g.user.id, utcnow()),
        )
    try:
        change = email_change.request_change(
            g.user,
            form.email.data,
            form.password.data,
            params=current_app.config["ARGON2_PARAMETERS"],
            lifetime=current_app.config["EMAIL_TOKEN_LIFETIME"],
            now=utcnow(),
            origin=request_origin(),
        )
    except IdentityError as error:
        g.credential_failed = error.field == "password"  # only wrong guesses count
        stash_form(form, {error.field: [str(error)]})
        return see_other("identity.change_email")
    db.session.commit()
    _send(change)
    flash(_sent_message(change.new_email), "info")
    return see_other("identity.change_email")


@bp.post("/account/email/resend")
@limiter.shared_limit(
    lambda: current_app.config["RATELIMIT_EMAIL_CHANGE"],
    MAILS_SCOPE,
    key_func=user_key,
    methods=["POST"],
    deduct_when=_mailed,
)
@login_required
def resend_email_change():
    """A fresh link for the pending change; the one sent before stops working."""
    change = email_change.renew_pending(g.user, lifetime=current_app.config["EMAIL_TOKEN_LIFETIME"], now=utcnow())
    if change is None:
        flash("No email change is waiting for confirmation.", "error")
        return see_other("identity.change_email")
    db.session.commit()
    _send(change)
    flash(_sent_message(change.new_email), "info")
    return see_other("identity.change_email")


@bp.post("/account/email/cancel")
@login_required
def cancel_email_change():
    """Withdraw the pending change; its link stops working."""
    if email_change.cancel_pending(g.user, now=utcnow(), origin=request_origin()):
        db.session.commit()
        flash("The email change was cancelled. Your address stays as it is.", "info")
    else:
        flash("No email change is waiting for confirmation.", "error")
    return see_other("identity.change_email")


@bp.route("/account/email/confirm/<token>", methods=["GET", "POST"])
def confirm_email_change(token: str):
    """The emailed link; GET only shows a button (mail scanners must not use it up); no sign-in needed."""
    found = email_change.pending_user(token, utcnow())
    if found is None:
        return render_template("accounts/identity/email_change_invalid.html"), 404
    form = ConfirmForm()
    if not form.validate_on_submit():
        return render_template("accounts/identity/email_change_confirm.html", form=form, new_email=found[1])
    try:
        change = email_change.confirm_change(token, now=utcnow(), origin=request_origin())
        db.session.commit()
    except IdentityError as error:
        db.session.rollback()
        flash(str(error), "error")
        return see_other("identity.change_email")
    except IntegrityError:
        # Another account took the address between our check and the commit: the unique index decides.
        db.session.rollback()
        flash(f"Another account now uses {found[1]}, so your address was not changed.", "error")
        return see_other("identity.change_email")
    emails.send_email_changed(change.user, change.old_email, email_change.masked(change.user.email))
    if g.get("user") is not None and g.user.id == change.user.id:
        flash(f"Your email address is now {change.user.email}.", "success")
    else:
        flash(f"Your email address is now {change.user.email}. Sign in with it.", "success")
    return see_other("identity.change_email")


def _drop_pending_on_new_password(_sender, user_id: int) -> None:
    """A new password (change or reset) drops a pending change: whoever asked may have been an intruder."""
    email_change.drop_pending(user_id, utcnow())


password_changed.connect(_drop_pending_on_new_password)
