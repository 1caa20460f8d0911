"""The organization a browser works in: chosen in the header, kept in the local session, re-checked every request.

A new session (a sign-in) starts in the org the user last switched to (last_org), if their claim still lists it.
"""

from dataclasses import replace

from flask import current_app, g, session

from common.clock import utcnow

from . import last_org
from .scoping import Membership, Viewer, viewer_from_claims

SESSION_KEY = "active_org_id"


def current_viewer() -> Viewer | None:
    """The signed-in user as the scoping rules see them (iss, sub and trusted orgs claim), or None."""
    identity = g.get("identity")
    if identity is None:
        return None
    if "viewer" not in g:
        viewer = viewer_from_claims(identity.iss, identity.sub, identity.orgs, identity.name)
        g.viewer = replace(viewer, actor=identity.impersonation) if viewer else None
    return g.viewer


def active_membership(viewer: Viewer) -> Membership | None:
    """The chosen org while the claim still lists it, else the personal space, else the first org.

    The first request of a session chooses the org last switched to; None in the session means "looked, none".
    """
    if SESSION_KEY not in session:
        # Marked first: if the database fails here, the error page's header does not ask it again.
        session[SESSION_KEY] = None
        session[SESSION_KEY] = last_org.recall(current_app.config["SITE"], viewer.iss, viewer.sub)
    chosen = viewer.membership(session[SESSION_KEY])
    if chosen is not None:
        return chosen
    if session[SESSION_KEY] is not None:
        # The membership is gone from the claim (removed, org deleted): the old choice stops working now.
        session[SESSION_KEY] = None
    return viewer.personal_space or (viewer.memberships[0] if viewer.memberships else None)


def choose(viewer: Viewer, org_id: object) -> Membership | None:
    """Make org_id the active org if the viewer's claim lists it; None (and no change) otherwise."""
    membership = viewer.membership(org_id)
    if membership is None:
        return None
    session[SESSION_KEY] = membership.org_id
    if viewer.actor is None:
        # An impersonating admin's switches are theirs: the user's next sign-in does not start where the admin was.
        last_org.remember(current_app.config["SITE"], viewer.iss, viewer.sub, membership.org_id, utcnow())
    return membership
