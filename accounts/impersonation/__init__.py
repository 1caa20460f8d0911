"""Admin impersonation (SPEC §2.8): start, stop and expiry, what is refused meanwhile, and the banner on every page."""

from flask import Flask, flash, g, redirect, request, url_for

from common.clock import utcnow

from ..audit.origin import request_origin
from ..sessions import authentication
from . import flows, policy, rules
from .forms import StopForm
from .views import banner_facts, bp


def end_if_over():
    """before_request: past its hour an impersonation ends on the next request, whatever that request was."""
    auth, now = authentication.current(), utcnow()
    if auth is None or request.endpoint in policy.NOT_BROWSER_PAGES or not rules.is_over(auth, now):
        return None
    name = g.user.name
    admin = flows.stop(how="expired", origin=request_origin(), now=now)
    signed_in = "you are signed in as yourself again" if admin else "you are signed out"
    flash(f"Your time acting as {name} is over (at most an hour): {signed_in}.", "info")
    return redirect(url_for("identity.home"), code=303)


def banner_context() -> dict:
    """The banner every Accounts page shows while an admin impersonates (templates/_layout.html)."""
    auth = authentication.current()
    if auth is None or not auth.impersonated or g.get("user") is None:
        return {}
    return {
        "banner_template": "accounts/impersonation/_banner.html",
        "impersonation_banner": banner_facts(auth),
        "impersonation_stop_form": StopForm(),
    }


def init_impersonation(app: Flask) -> None:
    """Register the pages; after the sign-in is loaded, end an expired impersonation, then apply the policy."""
    app.register_blueprint(bp)
    app.before_request(end_if_over)
    app.before_request(policy.guard)
    app.context_processor(banner_context)
