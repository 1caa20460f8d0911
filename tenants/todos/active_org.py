"""The organization a browser works in: chosen in the header, kept in the local session, re-checked every request."""

from dataclasses import replace

from flask import g, session

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
    """The chosen org while the claim still lists it, else the personal space, else the first org."""
    chosen = viewer.membership(session.get(SESSION_KEY))
    if chosen is not None:
        return chosen
    if SESSION_KEY in session:
        # The membership is gone from the claim (removed, org deleted): the old choice stops working now.
        del session[SESSION_KEY]
    return viewer.personal_space or (viewer.memberships[0] if viewer.memberships else None)


def choose(viewer: Viewer, org_id: object) -> Membership | None:
    """Make org_id the active org if the viewer's claim lists it; None (and no change) otherwise."""
    membership = viewer.membership(org_id)
    if membership is not None:
        session[SESSION_KEY] = membership.org_id
    return membership
