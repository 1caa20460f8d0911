"""Invitation pages: invite and revoke on the org page, and the emailed link's page, accept and decline.

Routes on the `orgs` blueprint of views.py (same endpoint names and URLs), thin views over
orgs.invitations. GET on a link only shows it; answering is a POST by the invited user.
"""

from flask import current_app, flash, g, redirect, render_template, url_for
from flask_limiter.util import get_remote_address

from common.clock import utcnow
from common.form_state import stash_form

from ..audit.origin import request_origin
from ..decorators import login_required
from ..extensions import db, limiter
from ..identity.services import normalise_email
from ..sessions.authentication import stored_user_id
from . import emails, invitations, rules
from .forms import ActionForm, InviteForm
from .rules import OrgRuleError, Role
from .views import bp, membership_or_404, see_other, show_refusal

DEAD_INVITATION_STATUS = 410  # Gone: the link existed but can no longer be used.


def _invite_key() -> str:
    """Rate-limit key for invitations: the signed-in user (limits run before g.user is loaded)."""
    user_id = stored_user_id()
    return f"invite:user:{user_id}" if user_id is not None else f"invite:ip:{get_remote_address()}"


@bp.post("/orgs/<slug>/invitations")
@login_required
@limiter.limit(lambda: current_app.config["RATELIMIT_INVITE"], key_func=_invite_key)
def invite(slug: str):
    """Invite someone by email, with a role no higher than yours."""
    membership = membership_or_404(slug)
    form = InviteForm()
    if not form.validate_on_submit():
        stash_form(form)
        return see_other("orgs.show", slug=slug)
    try:
        invitation, token = invitations.invite(
            membership.org_id,
            g.user.id,
            form.email.data,
            Role(form.role.data),
            lifetime=current_app.config["ORG_INVITATION_LIFETIME"],
            now=utcnow(),
            origin=request_origin(),
        )
    except OrgRuleError as error:
        show_refusal(error, form)
        return see_other("orgs.show", slug=slug)
    db.session.commit()
    emails.send_invitation(invitation, g.user, token)
    flash(f"Invited {invitation.email} as {invitation.role}.", "success")
    return see_other("orgs.show", slug=slug)


@bp.post("/orgs/<slug>/invitations/<int:invitation_id>/revoke")
@login_required
def revoke(slug: str, invitation_id: int):
    """Withdraw a pending invitation."""
    membership = membership_or_404(slug)
    try:
        invitation = invitations.revoke_invitation(
            membership.org_id, g.user.id, invitation_id, utcnow(), origin=request_origin()
        )
    except OrgRuleError as error:
        show_refusal(error)
        return see_other("orgs.show", slug=slug)
    db.session.commit()
    flash(f"Withdrew the invitation to {invitation.email}.", "success")
    return see_other("orgs.show", slug=slug)


@bp.get("/invitations/<token>")
def invitation(token: str):
    """An emailed invitation; GET only shows it (mail scanners must not use it up)."""
    found = invitations.find_invitation(token)
    if found is None:
        return render_template("accounts/orgs/invitation_invalid.html", message=None), 404
    status = invitations.invitation_status(found, utcnow())
    try:
        rules.check_pending(status)
    except OrgRuleError as error:
        return render_template("accounts/orgs/invitation_invalid.html", message=str(error)), DEAD_INVITATION_STATUS
    addressed = g.user is not None and normalise_email(g.user.email) == found.email
    return render_template("accounts/orgs/invitation.html", invitation=found, addressed=addressed, form=ActionForm())


def _sign_in_first(token: str):
    """Anonymous answers go through sign-in and come back to the invitation page."""
    return redirect(url_for("identity.sign_in", next=url_for("orgs.invitation", token=token)), code=303)


@bp.post("/invitations/<token>/accept")
def accept(token: str):
    """Join the org: only the signed-in user the invitation was sent to."""
    if g.user is None:
        return _sign_in_first(token)
    try:
        membership = invitations.accept_invitation(token, g.user, utcnow(), origin=request_origin())
    except OrgRuleError as error:
        show_refusal(error)
        return see_other("orgs.invitation", token=token)
    db.session.commit()
    flash(f"You joined {membership.org.name} as {membership.role}.", "success")
    return see_other("orgs.show", slug=membership.org.slug)


@bp.post("/invitations/<token>/decline")
def decline(token: str):
    """Say no: only the signed-in user the invitation was sent to."""
    if g.user is None:
        return _sign_in_first(token)
    try:
        declined = invitations.decline_invitation(token, g.user, utcnow(), origin=request_origin())
    except OrgRuleError as error:
        show_refusal(error)
        return see_other("orgs.invitation", token=token)
    db.session.commit()
    flash(f"You declined the invitation to {declined.org.name}.", "info")
    return see_other("orgs.list_orgs")
