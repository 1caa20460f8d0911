"""Organization pages: thin views over orgs.services (guard, validate, act, flash, redirect 303).

Every org page starts from services.load_membership: a non-member gets the same 404 as for an
org that does not exist. Rule refusals (OrgRuleError) become a message next to the field or a
flash; a member or invitation that is not in this org is a 404.
"""

from flask import Blueprint, abort, current_app, flash, g, redirect, render_template, request, session, url_for
from flask_limiter.util import get_remote_address

from common.errors import render_error
from common.form_state import restore_form, restore_forms, stash_form
from common.server_session import utcnow

from ..decorators import login_required
from ..extensions import limiter
from ..identity.services import normalise_email
from . import emails, rules, services
from .forms import ROLE_CHOICES, ActionForm, CreateOrgForm, DeleteOrgForm, InviteForm, RenameOrgForm, RoleForm
from .models import Membership
from .rules import OrgRuleError, Role

bp = Blueprint("orgs", __name__)

DEAD_INVITATION_STATUS = 410  # Gone: the link existed but can no longer be used.


@bp.errorhandler(services.NotFound)
def not_found(error: services.NotFound):
    """A member, invitation or org outside the user's reach looks like nothing at all."""
    return render_error(404)


def _see_other(endpoint: str, **values):
    """Answer a POST with 303, so a reload never re-submits it."""
    return redirect(url_for(endpoint, **values), code=303)


def _membership_or_404(slug: str) -> Membership:
    """The signed-in user's membership in this org; 404 for non-members (no existence leak)."""
    membership = services.load_membership(slug, g.user.id)
    if membership is None:
        abort(404)
    return membership


def _refused(error: OrgRuleError, form=None) -> None:
    """Show a refusal next to its field when the form has one, else as a flash message."""
    if form is not None and error.field in form._fields:
        stash_form(form, {error.field: [str(error)]})
    else:
        flash(str(error), "error")


def _invite_key() -> str:
    """Rate-limit key for invitations: the signed-in user (limits run before g.user is loaded)."""
    user_id = session.get("user_id")
    return f"invite:user:{user_id}" if user_id is not None else f"invite:ip:{get_remote_address()}"


@bp.route("/orgs/", methods=["GET", "POST"])
@login_required
def list_orgs():
    """Your organizations, and a form to create one."""
    form = CreateOrgForm()
    if request.method == "GET":
        return render_template(
            "accounts/orgs/list.html", memberships=services.memberships_of(g.user.id), form=restore_form(form)
        )
    if not form.validate_on_submit():
        stash_form(form)
        return _see_other("orgs.list_orgs")
    try:
        org = services.create_org(g.user.id, form.name.data, form.slug.data, utcnow())
    except OrgRuleError as error:
        _refused(error, form)
        return _see_other("orgs.list_orgs")
    flash(f"Created {org.name}. You are its owner.", "success")
    return _see_other("orgs.show", slug=org.slug)


@bp.get("/orgs/<slug>")
@login_required
def show(slug: str):
    """An org: members and roles, pending invitations, and the actions the rules allow you."""
    page = services.org_page(_membership_or_404(slug), utcnow())
    rename, invite, delete = RenameOrgForm(data={"name": page.org.name}), InviteForm(), DeleteOrgForm()
    restore_forms(rename, invite, delete)
    invite.role.choices = [choice for choice in ROLE_CHOICES if choice.value in page.invite_roles]
    return render_template(
        "accounts/orgs/org.html",
        page=page,
        rename_form=rename,
        invite_form=invite,
        delete_form=delete,
        role_form=RoleForm(),
        action_form=ActionForm(),
        invite_days=current_app.config["ORG_INVITATION_LIFETIME"].days,
    )


@bp.post("/orgs/<slug>/rename")
@login_required
def rename(slug: str):
    """Rename the org (owners)."""
    membership = _membership_or_404(slug)
    form = RenameOrgForm()
    if not form.validate_on_submit():
        stash_form(form)
        return _see_other("orgs.show", slug=slug)
    try:
        org = services.rename_org(membership.org_id, g.user.id, form.name.data)
    except OrgRuleError as error:
        _refused(error, form)
        return _see_other("orgs.show", slug=slug)
    flash(f"Renamed to {org.name}.", "success")
    return _see_other("orgs.show", slug=slug)


@bp.post("/orgs/<slug>/delete")
@login_required
def delete(slug: str):
    """Delete the org (owners, after typing its slug)."""
    membership = _membership_or_404(slug)
    form = DeleteOrgForm()
    if not form.validate_on_submit():
        stash_form(form)
        return _see_other("orgs.show", slug=slug)
    name = membership.org.name
    try:
        services.delete_org(membership.org_id, g.user.id, form.confirm.data)
    except OrgRuleError as error:
        _refused(error, form)
        return _see_other("orgs.show", slug=slug)
    flash(f"Deleted {name}.", "success")
    return _see_other("orgs.list_orgs")


@bp.post("/orgs/<slug>/invitations")
@login_required
@limiter.limit(lambda: current_app.config["RATELIMIT_INVITE"], key_func=_invite_key)
def invite(slug: str):
    """Invite someone by email, with a role no higher than yours."""
    membership = _membership_or_404(slug)
    form = InviteForm()
    if not form.validate_on_submit():
        stash_form(form)
        return _see_other("orgs.show", slug=slug)
    try:
        invitation, token = services.invite(
            membership.org_id,
            g.user.id,
            form.email.data,
            Role(form.role.data),
            lifetime=current_app.config["ORG_INVITATION_LIFETIME"],
            now=utcnow(),
        )
    except OrgRuleError as error:
        _refused(error, form)
        return _see_other("orgs.show", slug=slug)
    emails.send_invitation(invitation, g.user, token)
    flash(f"Invited {invitation.email} as {invitation.role}.", "success")
    return _see_other("orgs.show", slug=slug)


@bp.post("/orgs/<slug>/invitations/<int:invitation_id>/revoke")
@login_required
def revoke(slug: str, invitation_id: int):
    """Withdraw a pending invitation."""
    membership = _membership_or_404(slug)
    if not ActionForm().validate_on_submit():
        abort(400)
    try:
        invitation = services.revoke_invitation(membership.org_id, g.user.id, invitation_id, utcnow())
    except OrgRuleError as error:
        _refused(error)
        return _see_other("orgs.show", slug=slug)
    flash(f"Withdrew the invitation to {invitation.email}.", "success")
    return _see_other("orgs.show", slug=slug)


@bp.post("/orgs/<slug>/members/<int:user_id>/role")
@login_required
def change_role(slug: str, user_id: int):
    """Give a member another role."""
    membership = _membership_or_404(slug)
    form = RoleForm()
    if not form.validate_on_submit():
        flash("Choose one of the roles offered.", "error")
        return _see_other("orgs.show", slug=slug)
    try:
        changed = services.change_role(membership.org_id, g.user.id, user_id, Role(form.role.data))
    except OrgRuleError as error:
        _refused(error)
        return _see_other("orgs.show", slug=slug)
    flash(f"{changed.user.name} is now {changed.role}.", "success")
    return _see_other("orgs.show", slug=slug)


@bp.post("/orgs/<slug>/members/<int:user_id>/remove")
@login_required
def remove(slug: str, user_id: int):
    """Take a member out of the org."""
    membership = _membership_or_404(slug)
    if not ActionForm().validate_on_submit():
        abort(400)
    name = membership.org.name
    try:
        removed = services.remove_member(membership.org_id, g.user.id, user_id)
    except OrgRuleError as error:
        _refused(error)
        return _see_other("orgs.show", slug=slug)
    if removed.id == g.user.id:
        flash(f"You left {name}.", "success")
        return _see_other("orgs.list_orgs")
    flash(f"Removed {removed.name}.", "success")
    return _see_other("orgs.show", slug=slug)


@bp.post("/orgs/<slug>/members/<int:user_id>/transfer")
@login_required
def transfer(slug: str, user_id: int):
    """Hand ownership to another member; you stay as an admin."""
    membership = _membership_or_404(slug)
    if not ActionForm().validate_on_submit():
        abort(400)
    try:
        new_owner = services.transfer_ownership(membership.org_id, g.user.id, user_id)
    except OrgRuleError as error:
        _refused(error)
        return _see_other("orgs.show", slug=slug)
    flash(f"{new_owner.user.name} is now an owner; you are an admin.", "success")
    return _see_other("orgs.show", slug=slug)


@bp.post("/orgs/<slug>/leave")
@login_required
def leave(slug: str):
    """Leave the org."""
    membership = _membership_or_404(slug)
    if not ActionForm().validate_on_submit():
        abort(400)
    name = membership.org.name
    try:
        services.leave(membership.org_id, g.user.id)
    except OrgRuleError as error:
        _refused(error)
        return _see_other("orgs.show", slug=slug)
    flash(f"You left {name}.", "success")
    return _see_other("orgs.list_orgs")


@bp.get("/invitations/<token>")
def invitation(token: str):
    """An emailed invitation; GET only shows it (mail scanners must not use it up)."""
    found = services.find_invitation(token)
    if found is None:
        return render_template("accounts/orgs/invitation_invalid.html", message=None), 404
    status = services.invitation_status(found, utcnow())
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
    if not ActionForm().validate_on_submit():
        abort(400)
    try:
        membership = services.accept_invitation(token, g.user, utcnow())
    except OrgRuleError as error:
        _refused(error)
        return _see_other("orgs.invitation", token=token)
    flash(f"You joined {membership.org.name} as {membership.role}.", "success")
    return _see_other("orgs.show", slug=membership.org.slug)


@bp.post("/invitations/<token>/decline")
def decline(token: str):
    """Say no: only the signed-in user the invitation was sent to."""
    if g.user is None:
        return _sign_in_first(token)
    if not ActionForm().validate_on_submit():
        abort(400)
    try:
        declined = services.decline_invitation(token, g.user, utcnow())
    except OrgRuleError as error:
        _refused(error)
        return _see_other("orgs.invitation", token=token)
    flash(f"You declined the invitation to {declined.org.name}.", "info")
    return _see_other("orgs.list_orgs")
