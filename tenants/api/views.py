"""The todo API under /api/v1: thin JSON views over todos.services; todos.scoping decides access.

Order of checks on every call: token (401) → scope (403) → org in the token's `orgs` claim
(404) → todo visible (404) → role allows the change (403) → body (415 / 400 / 422).
"""

from flask import Blueprint, current_app, g, jsonify, request, url_for
from werkzeug.exceptions import BadRequest

from common.clock import utcnow

from ..extensions import csrf
from ..site.transactions import reads_autocommit
from ..todos import listing, scoping, services
from ..todos.models import ActorWrite, Todo
from ..todos.scoping import Action, Membership
from ..todos.services import InvalidInput
from .decorators import READ, WRITE, token_required
from .errors import api_error, bearer_challenge
from .openapi import openapi_document

bp = Blueprint("api", __name__, url_prefix="/api/v1")
# The API authenticates each call by its Authorization header, never by cookies, so a cross-site
# page cannot make a browser call it with the user's credentials: there is nothing for CSRF to forge.
csrf.exempt(bp)

LIST_PARAMETERS = {"status", "owner", "limit", "cursor"}


@bp.errorhandler(scoping.NotFound)
def not_found(error: scoping.NotFound):
    """Another org, another user's private todo, or nothing at all: the same 404 (no existence leak)."""
    return api_error(404, "not_found", str(error))


@bp.errorhandler(scoping.Forbidden)
def forbidden(error: scoping.Forbidden):
    """Visible, but the role in the token's `orgs` claim does not allow the change."""
    return bearer_challenge(403, "insufficient_scope", str(error))


@bp.errorhandler(InvalidInput)
def invalid_input(error: InvalidInput):
    """422 with a list of messages per field."""
    return api_error(422, "invalid_input", "Some fields are not valid.", fields=error.errors)


# A bearer call's first statement: API reads run without BEGIN and ROLLBACK round trips (site/transactions.py).
bp.before_request(reads_autocommit)


@bp.after_request
def no_store(response):
    """Answers carry a user's data: no cache may keep them (RFC 6750 §5.3 for responses to bearer calls)."""
    response.headers.setdefault("Cache-Control", "no-store")
    return response


def _site() -> str:
    return current_app.config["SITE"]


def _viewer():
    return g.access_token.viewer


def _membership(org_id: str) -> Membership:
    return scoping.membership_in(_viewer(), org_id)


class BadBody(Exception):
    """The body is not JSON at all (415, 400); a JSON body with bad fields is InvalidInput (422)."""

    def __init__(self, status: int, error: str, message: str):
        super().__init__(message)
        self.status, self.error, self.message = status, error, message


@bp.errorhandler(BadBody)
def bad_body(error: BadBody):
    """415 for another media type, 400 for JSON that does not parse."""
    return api_error(error.status, error.error, error.message)


def _json_object() -> dict:
    """The request body as a JSON object; 415 / 400 / 422 otherwise, before anything is changed."""
    if not request.is_json:
        raise BadBody(415, "unsupported_media_type", "Send the body as application/json.")
    try:
        body = request.get_json()
    except (BadRequest, RecursionError):
        # RecursionError: a deeply nested body is refused like any other unparseable one, not with a 500.
        raise BadBody(400, "invalid_json", "The body is not valid JSON.") from None
    if not isinstance(body, dict):
        raise InvalidInput({"body": ["Send a JSON object with the todo's fields."]})
    return body


def _timestamp(value) -> str:
    return value.isoformat(timespec="seconds") + "Z"


def _actor_change_json(write: ActorWrite | None) -> dict | None:
    if write is None:
        return None
    return {
        "actor": {"sub": write.actor_sub, "name": write.actor_name or None},
        "on_behalf_of": {"sub": write.subject_sub, "name": write.subject_name},
        "action": write.action,
        "at": _timestamp(write.at),
    }


def todo_json(todo: Todo, membership: Membership, viewer_sub: str, actor_change: ActorWrite | None = None) -> dict:
    """A todo as the API shows it, with what the caller may do with it and who made its latest change as whom."""
    return {
        "id": todo.id,
        "org_id": todo.org_id,
        "title": todo.title,
        "notes": todo.notes,
        "done": todo.done,
        "due_date": todo.due_date.isoformat() if todo.due_date else None,
        "visibility": todo.visibility,
        "author": {"sub": todo.author_sub, "name": todo.author_name},
        "created_at": _timestamp(todo.created_at),
        "updated_at": _timestamp(todo.updated_at),
        "can_change": Action.UPDATE in scoping.allowed_actions(membership, viewer_sub, todo),
        "changed_by_actor": _actor_change_json(actor_change),
    }


def todos_json(todos: list[Todo], membership: Membership, changes: dict | None = None) -> list[dict]:
    """Todos as the API shows them; their impersonated changes, unless given, are read in one query for them all."""
    if changes is None:
        changes = services.last_actor_changes(_site(), todos)
    viewer_sub = _viewer().sub  # once, not per row
    return [todo_json(todo, membership, viewer_sub, changes.get(todo.id)) for todo in todos]


def _list_parameters() -> dict:
    unknown = sorted(set(request.args) - LIST_PARAMETERS)
    errors = {name[:50]: ["Unknown parameter."] for name in unknown}
    limit = request.args.get("limit", str(listing.PAGE_SIZE))
    if not limit.isascii() or not limit.isdigit() or len(limit) > 3:
        errors["limit"] = [f"Use a number from 1 to {listing.MAX_PAGE_SIZE}."]
    if errors:
        raise InvalidInput(errors)
    return {
        "status": request.args.get("status", "all"),
        "owner": request.args.get("owner", "all"),
        "cursor": request.args.get("cursor") or None,
        "limit": int(limit),
    }


@bp.get("/orgs")
@token_required(READ)
def list_orgs():
    """The organizations the token's user belongs to, with their role in each."""
    return jsonify(
        items=[
            {"id": m.org_id, "slug": m.slug, "name": m.name, "role": m.role.value, "personal": m.personal}
            for m in _viewer().memberships
        ]
    )


@bp.get("/orgs/<org_id>/todos")
@token_required(READ)
def list_todos(org_id: str):
    """A page of the org's todos the caller may see, newest first."""
    membership = _membership(org_id)
    page = listing.list_todos(_site(), _viewer(), membership.org_id, **_list_parameters(), actor_changes=True)
    return jsonify(items=todos_json(page.items, membership, page.actor_changes), next_cursor=page.next_cursor)


@bp.post("/orgs/<org_id>/todos")
@token_required(WRITE)
def create_todo(org_id: str):
    """Add a todo by the caller (private unless the body says "org")."""
    membership = _membership(org_id)
    todo = services.create_todo(_site(), _viewer(), membership.org_id, _json_object(), utcnow())
    (body,) = todos_json([todo], membership)
    response = jsonify(body)
    response.status_code = 201
    response.headers["Location"] = url_for("api.get_todo", org_id=todo.org_id, todo_id=todo.id)
    return response


@bp.get("/orgs/<org_id>/todos/<todo_id>")
@token_required(READ)
def get_todo(org_id: str, todo_id: str):
    """One todo the caller may see."""
    membership = _membership(org_id)
    (body,) = todos_json([services.get_todo(_site(), _viewer(), membership.org_id, todo_id)], membership)
    return jsonify(body)


@bp.patch("/orgs/<org_id>/todos/<todo_id>")
@token_required(WRITE)
def update_todo(org_id: str, todo_id: str):
    """Change some fields of a todo the caller may change."""
    membership = _membership(org_id)
    # 404 / 403 before the body is read: whether a todo is there never depends on what was sent.
    services.get_todo(_site(), _viewer(), membership.org_id, todo_id, Action.UPDATE)
    todo = services.update_todo(_site(), _viewer(), membership.org_id, todo_id, _json_object(), utcnow())
    (body,) = todos_json([todo], membership)
    return jsonify(body)


@bp.delete("/orgs/<org_id>/todos/<todo_id>")
@token_required(WRITE)
def delete_todo(org_id: str, todo_id: str):
    """Delete a todo the caller may change."""
    membership = _membership(org_id)
    services.delete_todo(_site(), _viewer(), membership.org_id, todo_id, utcnow())
    return "", 204


@bp.get("/openapi.json")
def openapi():
    """The OpenAPI 3.1 document of this API, for this tenant's URL."""
    response = jsonify(openapi_document(current_app.config["TENANT"]))
    response.headers["Cache-Control"] = "public, max-age=300"
    return response
