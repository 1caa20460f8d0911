"""Start (from the admin user page) and stop an impersonation; /impersonation is where every banner's Stop leads."""

from flask import Blueprint, abort, flash, g, redirect, render_template, url_for

from common.clock import utc_from_timestamp, utcnow
from common.form_state import stash_form

from ..audit.origin import request_origin
from ..decorators import login_required
from ..extensions import db
from ..identity.models import User
from ..mfa.factors import has_second_factor
from ..sessions import authentication, demands
from . import flows, rules
from .forms import StartForm, StopForm

bp = Blueprint("impersonation", __name__)


def _user_page(user_id: int):
    return redirect(url_for("admin.user_page", user_id=user_id), code=303)


@bp.post("/admin/users/<int:user_id>/impersonate")
@login_required
def start(user_id: int):
    """Act as this user for up to an hour, after a second factor from the last ten minutes."""
    target, now, auth = db.session.get(User, user_id), utcnow(), authentication.current()
    if target is None:
        abort(404)
    verdict = rules.can_start(
        actor=g.user, actor_auth=auth, target=target, actor_has_second_factor=has_second_factor(g.user.id), now=now
    )
    if not verdict:
        if not g.user.is_admin:
            abort(403)
        flash(f"Not done: {verdict.reason}", "error")
        return _user_page(user_id)
    form = StartForm()
    if not form.validate():
        stash_form(form)
        flash("Not done: give a reason (at most 500 characters).", "error")
        return _user_page(user_id)
    if not rules.second_factor_fresh(auth, now):
        # Step-up: password and code again, then back to the user page to start (node-oidc-provider's max_age idea).
        back = url_for("admin.user_page", user_id=user_id)
        demands.demand(full_path=back, client_name="impersonation", checks=["second_factor_age"], second_factor=True)
        flash("Impersonating needs a second factor from the last 10 minutes: confirm it is you, then start.", "info")
        return redirect(url_for("identity.sign_in", next=back), code=303)
    demands.withdraw()
    flows.start(g.user, target, reason=form.reason.data.strip(), origin=request_origin(), now=now)
    flash(f"You are now acting as {target.name}. Everything you do is recorded with your name.", "success")
    return redirect(url_for("identity.home"), code=303)


@bp.get("/impersonation")
def status():
    """Who is acting as whom, why and until when, with the Stop button; tenants' banners link here."""
    auth = authentication.current()
    if auth is None or not auth.impersonated:
        return render_template("accounts/impersonation/status.html", banner=None)
    return render_template("accounts/impersonation/status.html", banner=banner_facts(auth), form=StopForm())


@bp.post("/impersonation/stop")
def stop():
    """Go back to being yourself: the user's app sessions end, a new session id begins."""
    auth = authentication.current()
    if auth is None or not auth.impersonated:
        flash("You are not impersonating anyone.", "info")
        return redirect(url_for("identity.home"), code=303)
    target = g.user
    admin = flows.stop(how="stopped", origin=request_origin(), now=utcnow())
    if admin is None:
        flash("Impersonation stopped. You are signed out: your account may no longer impersonate.", "info")
        return redirect(url_for("identity.home"), code=303)
    flash(f"You stopped acting as {target.name} and are signed in as yourself again.", "success")
    return _user_page(target.id)


def banner_facts(auth: authentication.Authentication) -> dict:
    """What the banner and the status page show: who, whom, why, and the minutes left."""
    admin = db.session.get(User, auth.actor_id)
    ends = utc_from_timestamp(auth.expires_at)
    seconds_left = max(0, int((ends - utcnow()).total_seconds()))
    return {
        "actor": admin.name if admin else f"Admin {auth.actor_id}",
        "user": g.user.name,
        "email": g.user.email,
        "reason": auth.reason,
        "ends_at": ends,
        "minutes_left": -(-seconds_left // 60),
    }
