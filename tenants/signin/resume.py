"""A form POSTed while the sign-in had to be renewed: kept in the session, offered again once signed in.

The one owner of the session slot holding it. A re-authentication (silent, or by password when the
provider session is gone) must never lose what the user typed; the stash belongs to one user
(iss + sub) and is offered to nobody else.
"""

from flask import request, session

_KEY = "resume_post"
MAX_FIELDS = 50


def stash_post(iss: str, sub: str) -> None:
    """Keep this POST's path and fields (never the CSRF token) for the user it was made by."""
    fields = [(k, v) for k, v in request.form.items(multi=True) if k != "csrf_token"][:MAX_FIELDS]
    session[_KEY] = {"iss": iss, "sub": sub, "path": request.full_path.rstrip("?"), "fields": fields}


def stashed() -> dict | None:
    """The stashed POST, if any (left in place)."""
    return session.get(_KEY)


def take_post(iss: str, sub: str) -> dict | None:
    """Remove the stashed POST and return it if it belongs to this user; someone else's is dropped unseen."""
    stash = session.pop(_KEY, None)
    if not stash or (stash.get("iss"), stash.get("sub")) != (iss, sub):
        return None
    return stash


def restore(stash: dict | None) -> None:
    """Put a stash back after the session was cleared (a sign-out on the way to signing in again)."""
    if stash:
        session[_KEY] = stash
