"""Todo pages: thin views over services (guard, validate, act, flash, redirect 303); scoping decides access."""

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for

from common.clock import utcnow
from common.errors import render_error
from common.form_state import restore_form, stash_form
from common.safe_redirects import safe_next

from ..signin.decorators import login_required, second_factor_required
from . import listing, scoping, services
from .active_org import active_membership, choose, current_viewer
from .forms import ActionForm, SwitchOrgForm, TodoForm
from .scoping import Action, Membership, Viewer
from .services import InvalidInput

bp = Blueprint("todos", __name__)


@bp.errorhandler(scoping.NotFound)
def not_found(error: scoping.NotFound):
    """Another org's todo, another user's private todo and a todo that never was all look the same."""
    return render_error(404)


@bp.errorhandler(scoping.Forbidden)
def forbidden(error: scoping.Forbidden):
    """A todo the viewer can see but whose author or role says they may not change."""
    return render_error(403, str(error))


def _see_other(endpoint: str, **values):
    """Answer a POST with 303, so a reload never re-submits it."""
    return redirect(url_for(endpoint, **values), code=303)


def _site() -> str:
    return current_app.config["SITE"]


def _workspace() -> tuple[Viewer, Membership]:
    """The viewer and their active org (at least their personal space); 404 without a usable viewer."""
    viewer = current_viewer()
    membership = active_membership(viewer) if viewer else None
    if membership is None:
        abort(404)
    return viewer, membership


def _edit_form(membership: Membership, todo) -> TodoForm:
    """The edit form for a todo; the visibility choice is only there for its author, and only in an org."""
    form = TodoForm(
        data={
            "title": todo.title,
            "notes": todo.notes,
            "due_date": todo.due_date.isoformat() if todo.due_date else "",
            "visibility": todo.visibility,
            "done": todo.done,
        }
        if request.method == "GET"
        else None
    )
    if not scoping.may_set_visibility(current_viewer().sub, todo) or not scoping.may_choose_visibility(membership):
        del form.visibility
    return form


def _todo_url_base() -> str:
    """A todo's page URL without its id: todo ids are url-safe (scoping.TODO_ID), so a row appends its own."""
    placeholder = "x" * 22
    return url_for("todos.show", todo_id=placeholder).removesuffix(placeholder)


@bp.get("/todos/")
@login_required
def index():
    """The active org's todos the viewer may see, one tab (open by default) and one keyset page at a time."""
    viewer, membership = _workspace()
    # "Mine" means nothing in a personal space, where every todo is the viewer's: that filter is for orgs only.
    owner = request.args.get("owner", "all") if scoping.may_choose_visibility(membership) else "all"
    filters = {"status": request.args.get("status", "open"), "owner": owner}
    cursors = {"cursor": request.args.get("after"), "before": request.args.get("before")}
    try:
        page = listing.list_todos(_site(), viewer, membership.org_id, **cursors, **filters, counts=True)
    except InvalidInput as error:
        return render_error(400, " ".join(m for msgs in error.errors.values() for m in msgs), "Unknown filter or page")
    return render_template(
        "tenants/todos/list.html",
        membership=membership,
        page=page,
        counts=page.counts,
        count_limit=listing.COUNT_LIMIT,
        filters=filters,
        paged=any(cursors.values()),
        actions={todo.id: scoping.allowed_actions(membership, viewer.sub, todo) for todo in page.items},
        todo_url_base=_todo_url_base(),
        here=request.full_path.rstrip("?"),
    )


@bp.route("/todos/new", methods=["GET", "POST"])
@login_required
def new():
    """Add a todo to the active org."""
    viewer, membership = _workspace()
    form = TodoForm(data={"visibility": scoping.default_visibility(membership)} if request.method == "GET" else None)
    if not scoping.may_choose_visibility(membership):
        del form.visibility  # a personal space's todos are private: the service's default, nothing to choose
    if request.method == "GET":
        return render_template("tenants/todos/form.html", form=restore_form(form), membership=membership, todo=None)
    if not form.validate_on_submit():
        stash_form(form)
        return _see_other("todos.new")
    try:
        todo = services.create_todo(_site(), viewer, membership.org_id, form.fields_for_service(), utcnow())
    except InvalidInput as error:
        stash_form(form, error.errors)
        return _see_other("todos.new")
    flash(f"Added “{todo.title}”.", "success")
    return _see_other("todos.index")


@bp.get("/todos/<todo_id>")
@login_required
def show(todo_id: str):
    """One todo, with the actions the viewer's role allows."""
    viewer, membership = _workspace()
    todo = services.get_todo(_site(), viewer, membership.org_id, todo_id)
    return render_template(
        "tenants/todos/show.html",
        todo=todo,
        actor_change=services.last_actor_changes(_site(), [todo]).get(todo.id),
        membership=membership,
        actions=scoping.allowed_actions(membership, viewer.sub, todo),
        action_form=ActionForm(),
    )


@bp.route("/todos/<todo_id>/edit", methods=["GET", "POST"])
@login_required
def edit(todo_id: str):
    """Change a todo the viewer may change."""
    viewer, membership = _workspace()
    todo = services.get_todo(_site(), viewer, membership.org_id, todo_id, Action.UPDATE)
    form = _edit_form(membership, todo)
    if request.method == "GET":
        return render_template("tenants/todos/form.html", form=restore_form(form), membership=membership, todo=todo)
    if not form.validate_on_submit():
        stash_form(form)
        return _see_other("todos.edit", todo_id=todo.id)
    try:
        services.update_todo(_site(), viewer, membership.org_id, todo.id, form.fields_for_service(), utcnow())
    except InvalidInput as error:
        stash_form(form, error.errors)
        return _see_other("todos.edit", todo_id=todo.id)
    flash("Saved.", "success")
    return _see_other("todos.show", todo_id=todo.id)


@bp.post("/todos/<todo_id>/toggle")
@login_required
def toggle(todo_id: str):
    """Mark done or open again, then go back to the page the button was on."""
    viewer, membership = _workspace()
    todo = services.toggle_todo(_site(), viewer, membership.org_id, todo_id, utcnow())
    flash(f"“{todo.title}” is {'done' if todo.done else 'open again'}.", "success")
    return redirect(safe_next(request.form.get("next"), url_for("todos.index")), code=303)


@bp.route("/todos/<todo_id>/delete", methods=["GET", "POST"])
@login_required
def delete(todo_id: str):
    """Ask for confirmation, then delete."""
    viewer, membership = _workspace()
    todo = services.get_todo(_site(), viewer, membership.org_id, todo_id, Action.DELETE)
    form = ActionForm()
    if request.method == "GET":
        return render_template("tenants/todos/delete.html", todo=todo, membership=membership, form=form)
    if not form.validate_on_submit():
        return render_error(400)
    title = todo.title
    services.delete_todo(_site(), viewer, membership.org_id, todo.id, utcnow())
    flash(f"Deleted “{title}”.", "success")
    return _see_other("todos.index")


@bp.route("/todos/delete-mine", methods=["GET", "POST"])
@second_factor_required(explain_template="tenants/todos/delete_mine.html")
def delete_mine():
    """Delete every todo you wrote in the active org, after confirming; needs a recent second factor (step-up)."""
    viewer, membership = _workspace()
    form = ActionForm()
    if request.method == "GET":
        count = services.count_own_todos(_site(), viewer, membership.org_id)
        return render_template("tenants/todos/delete_mine.html", membership=membership, count=count, form=form)
    if not form.validate_on_submit():
        return render_error(400)
    count = services.delete_own_todos(_site(), viewer, membership.org_id, utcnow())
    flash(f"Deleted {count} todo{'s' if count != 1 else ''} of yours.", "success")
    return _see_other("todos.index")


@bp.post("/active-org")
@login_required
def switch_org():
    """Make another of the viewer's orgs the active one; only orgs in the claim are accepted."""
    form = SwitchOrgForm()
    if not form.validate_on_submit() or choose(current_viewer(), form.org_id.data) is None:
        flash("That organization is not one of yours. Choose one from the list.", "error")
    return _see_other("todos.index")


@bp.app_context_processor
def org_switcher():
    """The header's organization switcher, filled from the signed-in user's `orgs` claim."""
    viewer = current_viewer()
    if viewer is None or not viewer.memberships:
        return {"org_switcher": None}
    choices = [(m.org_id, "Personal space" if m.personal else m.name) for m in viewer.memberships]
    return {"org_switcher": {"choices": choices, "active": active_membership(viewer)}}
