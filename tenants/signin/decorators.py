"""Access decorators for tenant views."""

import time
from functools import wraps

from flask import current_app, g, redirect, render_template, request, session, url_for

from .stepup import STEP_UP_MAX_AGE, second_factor_fresh
from .stepup_outcome import refusal


def login_required(view):
    """Send anonymous visitors through sign-in at the provider, then back to this page."""

    @wraps(view)
    def wrapped(*args, **kwargs):
        if g.get("identity") is None:
            return redirect(url_for("signin.sign_in", next=request.full_path.rstrip("?")))
        return view(*args, **kwargs)

    return wrapped


def second_factor_required(max_age: int = STEP_UP_MAX_AGE, *, explain_template: str | None = None):
    """Pages that change something sensitive: a second factor within max_age seconds, else step-up first.

    Without one the browser goes through the provider (acr_values, max_age) and comes back to this
    URL by GET, so such a page shows its confirmation form on GET. An anonymous visitor signs in
    with both factors in the same trip. With explain_template, a user a step-up already showed to
    have no second factor gets that page (403) with how to set one up, not a step-up they cannot pass.
    """

    def decorate(view):
        @wraps(view)
        def wrapped(*args, **kwargs):
            identity = g.get("identity")
            claims = session.get("claims", {}) if identity is not None else {}
            if not second_factor_fresh(claims, now=int(time.time()), max_age=max_age):
                here = request.full_path.rstrip("?")
                step_up = url_for("signin.step_up", next=here, max_age=max_age)
                if explain_template and request.method == "GET" and refusal(identity and identity.sub):
                    page = render_template(
                        explain_template,
                        second_factor_missing=True,
                        minutes=max(1, max_age // 60),
                        security_url=current_app.config["TENANT"].security_url,
                        try_again_url=step_up,
                    )
                    return page, 403
                return redirect(step_up, code=303)
            return view(*args, **kwargs)

        return wrapped

    return decorate
