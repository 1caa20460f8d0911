"""Access decorators for Accounts views, all in one place."""

from functools import wraps

from flask import abort, g, redirect, request, url_for


def login_required(view):
    """Send anonymous visitors to sign-in, then back here."""

    @wraps(view)
    def wrapped(*args, **kwargs):
        if g.get("user") is None:
            return redirect(url_for("identity.sign_in", next=request.full_path.rstrip("?")))
        return view(*args, **kwargs)

    return wrapped


def admin_required(view):
    """Only site admins; others get 403."""

    @wraps(view)
    @login_required
    def wrapped(*args, **kwargs):
        if not g.user.is_admin:
            abort(403)
        return view(*args, **kwargs)

    return wrapped
