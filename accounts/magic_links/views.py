"""Magic-link pages: ask for a link, then press the button behind it (guard, validate, act, commit, redirect 303)."""

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for

from common.clock import utcnow
from common.form_state import restore_form, stash_form
from common.safe_redirects import safe_next

from ..audit.origin import request_origin
from ..extensions import db, limiter
from ..identity.addresses import normalise_email
from ..mfa.settings import mfa_settings
from ..oidc.assurance import MAGIC_LINK_METHOD
from ..sessions import signin_flow
from . import cookie, emails, services
from .forms import MagicLinkForm, SpendLinkForm

bp = Blueprint("magic_links", __name__)

LINK_SENT = (
    "If an account uses that address, we sent it a sign-in link. It is valid for {minutes} minutes "
    "and works in this browser only."
)
# Each refusal: its status, title and what the user can do about it.
REFUSALS: dict[str, tuple[int, str, str]] = {
    services.UNKNOWN: (404, "This link is not valid", "The sign-in link is unknown or incomplete."),
    services.EXPIRED: (410, "This link has expired", "Sign-in links work for {minutes} minutes."),
    services.USED: (410, "This link was already used", "A sign-in link works once."),
    services.OTHER_BROWSER: (
        403,
        "Open it in the browser you asked from",
        "This sign-in link works only in the browser where you asked for it. Open it there, or ask for a new "
        "link in this browser.",
    ),
    services.BANNED: (403, "This account is suspended", "A suspended account cannot sign in."),
}


def _lifetime():
    return current_app.config["MAGIC_LINK_LIFETIME"]


def _minutes() -> int:
    return int(_lifetime().total_seconds() // 60)


def _address_key() -> str:
    """Rate-limit key per address asked for, so nobody can flood one inbox from many IPs."""
    return "magic-link:" + normalise_email(request.form.get("email", ""))[:254]


@bp.route("/sign-in/link", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["RATELIMIT_MAGIC_LINK_PER_IP"], methods=["POST"])
@limiter.limit(lambda: current_app.config["RATELIMIT_MAGIC_LINK_PER_ADDRESS"], key_func=_address_key, methods=["POST"])
def request_link():
    """Mail a sign-in link; the answer is the same whether or not the address has an account."""
    form = MagicLinkForm()
    if not form.validate_on_submit():
        if request.method == "POST":
            stash_form(form)
            return redirect(url_for("magic_links.request_link"), code=303)
        form = restore_form(form)
        form.next.data = form.next.data or request.args.get("next", "")
        return render_template("accounts/magic_links/request.html", form=form, minutes=_minutes())
    browser = services.browser_value(cookie.read_browser_value())
    requested = services.request_link(
        form.email.data,
        browser=browser,
        next_url=safe_next(form.next.data),
        lifetime=_lifetime(),
        lockout=mfa_settings(current_app.config).lockout,
        origin=request_origin(),
        now=utcnow(),
    )
    db.session.commit()  # unknown addresses too: the same round trip either way
    if requested is not None:
        emails.send_sign_in_link(requested.user, requested.token, _lifetime())
    flash(LINK_SENT.format(minutes=_minutes()), "info")
    response = redirect(url_for("identity.check_inbox"), code=303)
    # Set for unknown addresses too: whether a cookie came back must not tell who has an account.
    cookie.set_browser_value(response, browser, _lifetime())
    return response


@bp.route("/sign-in/link/<token>", methods=["GET", "POST"])
# GETs too: a refused link writes an audit event, so nobody may write them at will.
@limiter.limit(lambda: current_app.config["RATELIMIT_SIGNIN_PER_IP"])
def confirm(token: str):
    """GET shows a button (mail scanners spend nothing); its POST spends the link and starts the sign-in."""
    form = SpendLinkForm()
    if not form.validate_on_submit():
        try:
            services.check_link(token, cookie.read_browser_value(), utcnow())
        except services.LinkRefused as refused:
            return _refused(refused)
        return render_template("accounts/magic_links/confirm.html", form=form)
    try:
        user, next_url = services.spend_link(token, cookie.read_browser_value(), origin=request_origin(), now=utcnow())
    except services.LinkRefused as refused:
        return _refused(refused)
    # One factor (oidc/assurance.py): the second-factor stage still asks users who have one.
    response = signin_flow.first_factor_passed(user, [MAGIC_LINK_METHOD], safe_next(next_url))
    db.session.commit()
    return response


def _refused(refused: services.LinkRefused):
    """Audit a refused link of a known account, and say why on a page of its own (a 4xx)."""
    services.record_refusal(refused, origin=request_origin(), now=utcnow())
    db.session.commit()
    status, title, message = REFUSALS[refused.reason]
    page = render_template(
        "accounts/magic_links/refused.html",
        title=title,
        message=message.format(minutes=_minutes()),
        reason=refused.reason,
    )
    return page, status
