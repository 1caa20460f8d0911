"""Access decorators for tenant views."""

import time
from functools import wraps

from flask import g, redirect, request, session, url_for

from .stepup import STEP_UP_MAX_AGE, second_factor_fresh


def login_required(view):
    """Send anonymous visitors through sign-in at the provider, then back to this page."""

    @wraps(view)
    def wrapped(*args, **kwargs):
        if g.get("identity") is None:
            return redirect(url_for("signin.sign_in", next=request.full_path.rstrip("?")))
        return view(*args, **kwargs)

    return wrapped


def second_factor_required(max_age: int = STEP_UP_MAX_AGE):
    """Pages that change something sensitive: a second factor within max_age seconds, else step-up first.

    Without one the browser goes through the provider (acr_values, max_age) and comes back to this
    URL by GET, so such a page shows its confirmation form on GET. An anonymous visitor signs in
    with both factors in the same trip.
    """

    def decorate(view):
        @wraps(view)
        def wrapped(*args, **kwargs):
            claims = session.get("claims", {}) if g.get("identity") is not None else {}
            if not second_factor_fresh(claims, now=int(time.time()), max_age=max_age):
                here = request.full_path.rstrip("?")
                return redirect(url_for("signin.step_up", next=here, max_age=max_age), code=303)
            return view(*args, **kwargs)

        return wrapped

    return decorate
