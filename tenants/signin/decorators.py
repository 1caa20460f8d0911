"""Access decorators for tenant views."""

from functools import wraps

from flask import g, redirect, request, url_for


def login_required(view):
    """Send anonymous visitors through sign-in at the provider, then back to this page."""

    @wraps(view)
    def wrapped(*args, **kwargs):
        if g.get("identity") is None:
            return redirect(url_for("signin.sign_in", next=request.full_path.rstrip("?")))
        return view(*args, **kwargs)

    return wrapped
