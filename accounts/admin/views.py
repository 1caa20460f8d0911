"""Admin console pages: thin views over queries, permissions and services (guard, validate, act, commit, flash, 303)."""

from flask import Blueprint, abort, current_app, flash, g, redirect, render_template, request, url_for

from common.clock import utcnow
from common.form_state import restore_form

from ..audit.origin import request_origin
from ..decorators import admin_required
from ..extensions import db
from ..identity.models import User
from ..impersonation import rules as impersonation_rules
from ..impersonation.forms import StartForm
from ..mfa.factors import has_second_factor
from ..mfa.services import reset_second_factors
from ..security_events import queries as deliveries
from ..sessions import authentication
from ..sessions.services import active_sessions, end_sessions
from . import charts, permissions, queries, services
from .forms import ActionForm, BanForm, RoleForm

bp = Blueprint("admin", __name__, url_prefix="/admin")

CHART_SERIES = (
    ("signin.succeeded", "Sign-ins", "#2f6f4f"),
    ("signin.failed", "Failed sign-ins", "#b3261e"),
    ("mfa.locked_out", "Second-factor lockouts", "#8a5a00"),
)


def _back(user_id: int):
    return redirect(url_for("admin.user_page", user_id=user_id), code=303)


def _target(user_id: int) -> User:
    user = db.session.get(User, user_id)
    if user is None:
        abort(404)
    return user


def _refused(verdict: permissions.Verdict, user_id: int):
    flash(f"Not done: {verdict.reason}", "error")
    return _back(user_id)


@bp.get("/")
@admin_required
def index():
    """The console starts at the users list."""
    return redirect(url_for("admin.users"))


@bp.get("/users")
@admin_required
def users():
    """Search, filter, sort and page through every user (keyset: same cost on any page)."""
    filters = queries.clean_filters(request.args)
    now = utcnow()
    try:
        result = queries.users_page(filters, now=now, cursor=request.args.get("after") or None)
    except queries.BadCursor:
        flash("That page link was not valid, so the list starts again from the first page.", "error")
        result = queries.users_page(filters, now=now)
    return render_template("accounts/admin/users.html", filters=filters, page=result, now=now, sorts=SORT_LABELS)


SORT_LABELS = {"newest": "Newest first", "oldest": "Oldest first", "email": "Email A–Z", "name": "Name A–Z"}


@bp.get("/users/<int:user_id>")
@admin_required
def user_page(user_id: int):
    """Everything an admin needs about one user, and the actions the rules allow."""
    target = _target(user_id)
    now = utcnow()
    mfa_on = has_second_factor(target.id)
    return render_template(
        "accounts/admin/user.html",
        target=target,
        now=now,
        mfa_on=mfa_on,
        banned=target.is_banned(now),
        sessions=active_sessions(target.id, None, now, current_app.config["SESSION_IDLE_TIMEOUT"]),
        memberships=queries.memberships(target.id),
        consents=queries.consents(target.id),
        events=queries.recent_events(target.id),
        can=_verdicts(g.user, target, mfa_on, now),
        ban_form=BanForm(),
        role_form=RoleForm(role="user" if target.is_admin else "admin"),
        action_form=ActionForm(),
        impersonate_form=restore_form(StartForm()),
    )


def _verdicts(actor: User, target: User, mfa_on: bool, now) -> dict[str, permissions.Verdict]:
    other_role = "user" if target.is_admin else "admin"
    return {
        "ban": permissions.can_ban(actor=actor, target=target, now=now),
        "unban": permissions.can_unban(actor=actor, target=target, now=now),
        "set_role": permissions.can_set_role(
            actor=actor, target=target, role=other_role, admin_count=queries.admin_count(), now=now
        ),
        "revoke_sessions": permissions.can_revoke_sessions(actor=actor, target=target),
        "reset_mfa": permissions.can_reset_second_factor(actor=actor, target=target, has_second_factor=mfa_on),
        "impersonate": impersonation_rules.can_start(
            actor=actor,
            actor_auth=authentication.current(),
            target=target,
            actor_has_second_factor=has_second_factor(actor.id),
            now=now,
        ),
    }


@bp.post("/users/<int:user_id>/ban")
@admin_required
def ban(user_id: int):
    """Ban: reason required, optional last day; every session ends (back-channel logout) and every token is revoked."""
    target, now = _target(user_id), utcnow()
    verdict = permissions.can_ban(actor=g.user, target=target, now=now)
    if not verdict:
        return _refused(verdict, user_id)
    form = BanForm()
    if not form.validate():
        flash("Not done: give a reason (at most 500 characters) and a valid date, or no date.", "error")
        return _back(user_id)
    try:
        until = services.ban_expiry(form.until.data, now=now)
        services.ban(target, actor=g.user, reason=form.reason.data, until=until, origin=request_origin(), now=now)
    except services.AdminError as error:
        db.session.rollback()
        flash(f"Not done: {error}", "error")
        return _back(user_id)
    ended = end_sessions(target.id, reason="banned")
    db.session.commit()  # the ban, its event and the ended sessions together; then each is announced
    flash(f"{target.email} is banned; {ended} session{'s' if ended != 1 else ''} signed out.", "success")
    return _back(user_id)


@bp.post("/users/<int:user_id>/unban")
@admin_required
def unban(user_id: int):
    """Lift a ban."""
    target, now = _target(user_id), utcnow()
    verdict = permissions.can_unban(actor=g.user, target=target, now=now)
    if not verdict:
        return _refused(verdict, user_id)
    services.unban(target, actor=g.user, origin=request_origin(), now=now)
    db.session.commit()
    flash(f"{target.email} can sign in again.", "success")
    return _back(user_id)


@bp.post("/users/<int:user_id>/role")
@admin_required
def set_role(user_id: int):
    """Make a user an admin, or an admin a user (never yourself, never the last admin)."""
    target, now = _target(user_id), utcnow()
    form = RoleForm()
    if not form.validate():
        flash("Not done: choose the site role user or admin.", "error")
        return _back(user_id)
    role = form.role.data
    verdict = permissions.can_set_role(
        actor=g.user, target=target, role=role, admin_count=queries.admin_count(), now=now
    )
    if not verdict:
        return _refused(verdict, user_id)
    services.set_site_role(target, role, actor=g.user, origin=request_origin(), now=now)
    db.session.commit()
    flash(f"{target.email} now has the site role {role}.", "success")
    return _back(user_id)


@bp.post("/users/<int:user_id>/revoke-sessions")
@admin_required
def revoke_sessions(user_id: int):
    """Sign the user out of every session (and so of every app, by back-channel logout)."""
    target, now = _target(user_id), utcnow()
    verdict = permissions.can_revoke_sessions(actor=g.user, target=target)
    if not verdict:
        return _refused(verdict, user_id)
    services.note_sessions_revoked(target, actor=g.user, origin=request_origin(), now=now)
    ended = end_sessions(target.id, reason="admin-revoked")
    db.session.commit()  # the event with the ended sessions; then each is announced
    flash(f"Signed {target.email} out of {ended} session{'s' if ended != 1 else ''}.", "success")
    return _back(user_id)


@bp.post("/users/<int:user_id>/reset-mfa")
@admin_required
def reset_mfa(user_id: int):
    """Remove the user's second factors (lost device: app and passkeys); the password alone signs in meanwhile."""
    target, now = _target(user_id), utcnow()
    verdict = permissions.can_reset_second_factor(
        actor=g.user, target=target, has_second_factor=has_second_factor(target.id)
    )
    if not verdict:
        return _refused(verdict, user_id)
    reset_second_factors(target.id, actor_id=g.user.id, origin=request_origin(), now=now)
    db.session.commit()
    flash(f"Two-factor authentication of {target.email} was reset.", "success")
    return _back(user_id)


@bp.get("/security")
@admin_required
def security():
    """Sign-ins, failures and second-factor lockouts per day over the last 30 days."""
    now = utcnow()
    counts = queries.daily_event_counts(now=now, days=30)
    days = charts.days_ending(now.date(), 30)
    series = [charts.bar_chart(title, colour, counts[name], days) for name, title, colour in CHART_SERIES]
    table = [(day, [counts[name].get(day, 0) for name, _, _ in CHART_SERIES]) for day in reversed(days)]
    return render_template("accounts/admin/security.html", series=series, table=table, now=now)


@bp.get("/deliveries")
@admin_required
def security_events():
    """Security events and back-channel logouts not yet delivered to clients: pending (retrying) and failed."""
    return render_template(
        "accounts/admin/deliveries.html", counts=deliveries.counts(), rows=deliveries.recent(limit=50), now=utcnow()
    )
