"""Audit pages: the whole log for site admins, an organization's events for its owners and admins."""

from flask import Blueprint, abort, g, render_template, request, url_for

from ..decorators import admin_required, login_required
from ..orgs.rules import can_view_audit
from . import queries
from .cli import audit

bp = Blueprint("audit", __name__, cli_group=None)
bp.cli.add_command(audit)

FILTER_ARGS = ("type", "user", "org", "start", "end")


@bp.after_request
def no_store(response):
    """Who did what from where is not for shared caches or the browser's back button."""
    response.headers["Cache-Control"] = "no-store"
    return response


def _render(*, org=None):
    """The log page: filters from the query string, one page of events, the link to older ones."""
    filters, problems = queries.parse_filters(request.args, allow_org=org is None)
    page = queries.events_page(filters, org_id=org.id if org else None)
    kept = {name: request.args[name] for name in FILTER_ARGS if request.args.get(name)}
    here = {**request.view_args, **kept}
    return render_template(
        "accounts/audit/log.html",
        page=page,
        org=org,
        problems=problems,
        args=kept,
        event_types=queries.event_type_choices(),
        newest_url=url_for(request.endpoint, **here) if filters.before is not None else None,
        older_url=url_for(request.endpoint, **here, before=page.next_before) if page.next_before else None,
    )


@bp.get("/admin/audit")
@admin_required
def site_log():
    """Every security event, newest first, with filters."""
    return _render()


@bp.get("/orgs/<int:org_id>/audit")
@login_required
def org_log(org_id: int):
    """The org's security events, for its owners and admins; everyone else sees a 404 like other org pages."""
    membership = queries.org_membership(org_id, g.user.id)
    if membership is None or not can_view_audit(membership.role_enum):
        abort(404)
    return _render(org=membership.org)
