"""Organization pages: thin views over orgs.services (guard, validate, act, commit, flash, redirect 303).

Every org page starts from services.load_membership: a non-member gets the same 404 as for an
org that does not exist. Rule refusals (OrgRuleError) become a message next to the field or a
flash; a member or invitation that is not in this org is a 404. The invitation pages in
invitation_views.py add their routes to this blueprint and use these helpers.
"""

from flask import Blueprint, abort, current_app, flash, g, redirect, render_template, request, url_for

from common.clock import utcnow
from common.errors import render_error
from common.form_state import restore_form, restore_forms, stash_form

from ..audit.origin import request_origin
from ..decorators import login_required
from ..extensions import db
from . import services
from .forms import (
    ROLE_CHOICES,
    ActionForm,
    CreateOrgForm,
    DeleteOrgForm,
    InviteForm,
    RenameOrgForm,
    RoleForm,
    TransferForm,
)
from .models import Membership
from .rules import OrgRuleError, Role

bp = Blueprint("orgs", __name__)


@bp.errorhandler(services.NotFound)
def not_found(error: services.NotFound):
    """A member, invitation or org outside the user's reach looks like nothing at all."""
    return render_error(404)


def see_other(endpoint: str, **values):
    """Answer a POST with 303, so a reload never re-submits it."""
    return redirect(url_for(endpoint, **values), code=303)


def membership_or_404(slug: str) -> Membership:
    """The signed-in user's membership in this org; 404 for non-members (no existence leak)."""
    membership = services.load_membership(slug, g.user.id)
    if membership is None:
        abort(404)
    return membership


def show_refusal(error: OrgRuleError, form=None) -> None:
    """Show a refusal next to its field when the form has one, else as a flash message."""
    if form is not None and error.field in form._fields:
        stash_form(form, {error.field: [str(error)]})
    else:
        flash(str(error), "error")


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
        return see_other("orgs.list_orgs")
    try:
        org = services.create_org(g.user.id, form.name.data, form.slug.data, utcnow(), origin=request_origin())
    except OrgRuleError as error:
        show_refusal(error, form)
        return see_other("orgs.list_orgs")
    db.session.commit()
    flash(f"Created {org.name}. You are its owner.", "success")
    return see_other("orgs.show", slug=org.slug)


@bp.get("/orgs/<slug>")
@login_required
def show(slug: str):
    """An org: members and roles, pending invitations, and the actions the rules allow you."""
    page = services.org_page(membership_or_404(slug), utcnow())
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
    membership = membership_or_404(slug)
    form = RenameOrgForm()
    if not form.validate_on_submit():
        stash_form(form)
        return see_other("orgs.show", slug=slug)
    try:
        org = services.rename_org(membership.org_id, g.user.id, form.name.data, origin=request_origin(), now=utcnow())
    except OrgRuleError as error:
        show_refusal(error, form)
        return see_other("orgs.show", slug=slug)
    db.session.commit()
    flash(f"Renamed to {org.name}.", "success")
    return see_other("orgs.show", slug=slug)


@bp.post("/orgs/<slug>/delete")
@login_required
def delete(slug: str):
    """Delete the org (owners, after typing its slug)."""
    membership = membership_or_404(slug)
    form = DeleteOrgForm()
    if not form.validate_on_submit():
        stash_form(form)
        return see_other("orgs.show", slug=slug)
    name = membership.org.name
    try:
        services.delete_org(membership.org_id, g.user.id, form.confirm.data, origin=request_origin(), now=utcnow())
    except OrgRuleError as error:
        show_refusal(error, form)
        return see_other("orgs.show", slug=slug)
    db.session.commit()
    flash(f"Deleted {name}.", "success")
    return see_other("orgs.list_orgs")


@bp.post("/orgs/<slug>/members/<int:user_id>/role")
@login_required
def change_role(slug: str, user_id: int):
    """Give a member another role."""
    membership = membership_or_404(slug)
    form = RoleForm()
    if not form.validate_on_submit():
        flash("Choose one of the roles offered.", "error")
        return see_other("orgs.show", slug=slug)
    try:
        changed = services.change_role(
            membership.org_id, g.user.id, user_id, Role(form.role.data), origin=request_origin(), now=utcnow()
        )
    except OrgRuleError as error:
        show_refusal(error)
        return see_other("orgs.show", slug=slug)
    db.session.commit()
    flash(f"{changed.user.name} is now {changed.role}.", "success")
    return see_other("orgs.show", slug=slug)


@bp.route("/orgs/<slug>/members/<int:user_id>/remove", methods=["GET", "POST"])
@login_required
def remove(slug: str, user_id: int):
    """Take a member out of the org: GET shows what that means, the POST from that page does it."""
    membership = membership_or_404(slug)
    name = membership.org.name
    if request.method == "GET":
        try:
            target = services.removal_target(membership.org_id, g.user.id, user_id)
        except OrgRuleError as error:
            show_refusal(error)
            return see_other("orgs.show", slug=slug)
        if target.user_id == g.user.id:
            return see_other("orgs.leave", slug=slug)
        return render_template(
            "accounts/orgs/confirm_remove.html", org=membership.org, target=target, form=ActionForm()
        )
    try:
        removed = services.remove_member(membership.org_id, g.user.id, user_id, origin=request_origin(), now=utcnow())
    except OrgRuleError as error:
        show_refusal(error)
        return see_other("orgs.show", slug=slug)
    db.session.commit()
    if removed.id == g.user.id:
        flash(f"You left {name}.", "success")
        return see_other("orgs.list_orgs")
    flash(f"Removed {removed.name}.", "success")
    return see_other("orgs.show", slug=slug)


@bp.route("/orgs/<slug>/members/<int:user_id>/transfer", methods=["GET", "POST"])
@login_required
def transfer(slug: str, user_id: int):
    """Hand ownership to another member once the org's slug is typed; you stay as an admin."""
    membership = membership_or_404(slug)
    form = TransferForm()
    if request.method == "GET":
        try:
            target = services.transfer_target(membership.org_id, g.user.id, user_id)
        except OrgRuleError as error:
            show_refusal(error)
            return see_other("orgs.show", slug=slug)
        page = {"org": membership.org, "target": target, "form": restore_form(form)}
        return render_template("accounts/orgs/confirm_transfer.html", **page)
    try:
        new_owner = services.transfer_ownership(
            membership.org_id, g.user.id, user_id, form.confirm.data or "", origin=request_origin(), now=utcnow()
        )
    except OrgRuleError as error:
        show_refusal(error, form)
        if error.field in form._fields:
            return see_other("orgs.transfer", slug=slug, user_id=user_id)
        return see_other("orgs.show", slug=slug)
    db.session.commit()
    flash(f"{new_owner.user.name} is now an owner; you are an admin.", "success")
    return see_other("orgs.show", slug=slug)


@bp.route("/orgs/<slug>/leave", methods=["GET", "POST"])
@login_required
def leave(slug: str):
    """Leave the org: GET shows what that means, the POST from that page does it."""
    membership = membership_or_404(slug)
    name = membership.org.name
    if request.method == "GET":
        try:
            services.removal_target(membership.org_id, g.user.id, g.user.id)
        except OrgRuleError as error:
            show_refusal(error)
            return see_other("orgs.show", slug=slug)
        return render_template("accounts/orgs/confirm_leave.html", org=membership.org, me=membership, form=ActionForm())
    try:
        services.leave(membership.org_id, g.user.id, origin=request_origin(), now=utcnow())
    except OrgRuleError as error:
        show_refusal(error)
        return see_other("orgs.show", slug=slug)
    db.session.commit()
    flash(f"You left {name}.", "success")
    return see_other("orgs.list_orgs")
