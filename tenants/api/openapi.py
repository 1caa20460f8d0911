"""The OpenAPI 3.1 document of the todo API, written by hand; tests check it names every route and answer."""

from ..signin.client import discovery_url
from ..site.settings import TenantSettings
from ..todos.listing import MAX_PAGE_SIZE, OWNERS, PAGE_SIZE, STATUSES
from ..todos.models import NOTES_MAX, TITLE_MAX

ERROR = {"$ref": "#/components/schemas/Error"}


def _json(schema: dict, description: str, headers: dict | None = None) -> dict:
    answer = {"description": description, "content": {"application/json": {"schema": schema}}}
    if headers:
        answer["headers"] = headers
    return answer


def _challenge(error: str) -> dict:
    return {
        "WWW-Authenticate": {
            "description": f'RFC 6750 §3: `Bearer realm="…"`, with `error="{error}"` when a token was sent.',
            "schema": {"type": "string"},
        }
    }


UNAUTHORIZED = _json(
    ERROR, "No access token, or one that is invalid, expired or not for this tenant.", _challenge("invalid_token")
)
FORBIDDEN = _json(
    ERROR,
    "The token lacks the scope (the challenge names it in `scope`), or the user's role does not allow the change.",
    _challenge("insufficient_scope"),
)
NOT_FOUND = _json(ERROR, "Not an org of the token's user, or a todo they cannot see (another user's private todo).")
INVALID = _json({"$ref": "#/components/schemas/InvalidInput"}, "Some fields or parameters are not valid.")
UNAVAILABLE = _json(ERROR, "The provider's signing keys cannot be fetched right now.")
BODY_ERRORS = {
    "400": _json(ERROR, "The body is not valid JSON."),
    "413": _json(ERROR, "The body is larger than this site accepts."),
    "415": _json(ERROR, "The body is not application/json."),
    "422": INVALID,
}
ORG_ID = {
    "name": "org_id",
    "in": "path",
    "required": True,
    "description": "An org id from the token's `orgs` claim.",
    "schema": {"type": "string", "maxLength": 255},
}
TODO_ID = {
    "name": "todo_id",
    "in": "path",
    "required": True,
    "description": "The todo's `id`.",
    "schema": {"type": "string", "pattern": "^[A-Za-z0-9_-]{22}$"},
}


def _secured(scope: str, operation: dict, *errors: str) -> dict:
    """An operation that needs a bearer access token with `scope`, and the answers every such call can give."""
    responses = {
        **operation.pop("responses"),
        "401": UNAUTHORIZED,
        "403": FORBIDDEN,
        "503": UNAVAILABLE,
    }
    for code in errors:
        responses[code] = {"404": NOT_FOUND, "422": INVALID, **BODY_ERRORS}[code]
    return {**operation, "security": [{"gatehouse": [scope]}], "responses": responses}


def _schemas() -> dict:
    fields = {
        "title": {"type": "string", "minLength": 1, "maxLength": TITLE_MAX, "description": "One line, trimmed."},
        "notes": {"type": "string", "maxLength": NOTES_MAX},
        "done": {"type": "boolean"},
        "due_date": {"type": ["string", "null"], "format": "date", "description": "YYYY-MM-DD, or null."},
        "visibility": {
            "type": "string",
            "enum": ["private", "org"],
            "description": "`private`: the author alone, not even owners. `org`: every member. Set by the author.",
        },
    }
    return {
        "Error": {
            "type": "object",
            "required": ["error", "message"],
            "properties": {"error": {"type": "string"}, "message": {"type": "string"}},
        },
        "InvalidInput": {
            "type": "object",
            "required": ["error", "message", "fields"],
            "properties": {
                "error": {"const": "invalid_input"},
                "message": {"type": "string"},
                "fields": {"type": "object", "additionalProperties": {"type": "array", "items": {"type": "string"}}},
            },
        },
        "Org": {
            "type": "object",
            "required": ["id", "slug", "name", "role", "personal"],
            "properties": {
                "id": {"type": "string"},
                "slug": {"type": "string"},
                "name": {"type": "string"},
                "role": {"type": "string", "enum": ["owner", "admin", "member"]},
                "personal": {"type": "boolean"},
            },
        },
        "OrgList": {
            "type": "object",
            "required": ["items"],
            "properties": {"items": {"type": "array", "items": {"$ref": "#/components/schemas/Org"}}},
        },
        "Todo": {
            "type": "object",
            "required": [
                *fields,
                "id",
                "org_id",
                "author",
                "created_at",
                "updated_at",
                "can_change",
                "changed_by_actor",
            ],
            "properties": {
                "id": TODO_ID["schema"],
                "org_id": {"type": "string"},
                **fields,
                "author": {
                    "type": "object",
                    "required": ["sub", "name"],
                    "properties": {"sub": {"type": "string"}, "name": {"type": "string"}},
                },
                "created_at": {"type": "string", "format": "date-time"},
                "updated_at": {"type": "string", "format": "date-time"},
                "can_change": {"type": "boolean", "description": "Whether the caller may edit and delete it."},
                "changed_by_actor": {
                    "oneOf": [{"$ref": "#/components/schemas/ActorChange"}, {"type": "null"}],
                    "description": (
                        "Set when the todo's latest change was made by an admin impersonating a user "
                        "(the access token's RFC 8693 `act` claim); null when the user made it themselves."
                    ),
                },
            },
        },
        "ActorChange": {
            "type": "object",
            "required": ["actor", "on_behalf_of", "action", "at"],
            "properties": {
                "actor": {
                    "type": "object",
                    "required": ["sub", "name"],
                    "properties": {
                        "sub": {"type": "string", "description": "The admin's id, from `act.sub`."},
                        "name": {
                            "type": ["string", "null"],
                            "description": "From the ID token's `act.name`; null for changes made through this API.",
                        },
                    },
                },
                "on_behalf_of": {
                    "type": "object",
                    "required": ["sub", "name"],
                    "properties": {"sub": {"type": "string"}, "name": {"type": "string"}},
                    "description": "The impersonated user: the token's `sub`.",
                },
                "action": {"type": "string", "enum": ["create", "update"]},
                "at": {"type": "string", "format": "date-time"},
            },
        },
        "TodoPage": {
            "type": "object",
            "required": ["items", "next_cursor"],
            "properties": {
                "items": {"type": "array", "items": {"$ref": "#/components/schemas/Todo"}},
                "next_cursor": {"type": ["string", "null"], "description": "Pass as `cursor` for the next page."},
            },
        },
        "NewTodo": {
            "type": "object",
            "required": ["title"],
            "additionalProperties": False,
            "properties": fields,
            "description": "Private unless `visibility` is `org`. Unknown fields are refused (422).",
        },
        "TodoChanges": {
            "type": "object",
            "additionalProperties": False,
            "properties": fields,
            "description": "Only the fields sent change. Unknown fields are refused (422).",
        },
    }


def _paths() -> dict:
    todo = {"$ref": "#/components/schemas/Todo"}
    return {
        "/orgs": {
            "get": _secured(
                "todos:read",
                {
                    "operationId": "listOrgs",
                    "summary": "The organizations of the token's user",
                    "responses": {"200": _json({"$ref": "#/components/schemas/OrgList"}, "From the `orgs` claim.")},
                },
            )
        },
        "/orgs/{org_id}/todos": {
            "parameters": [ORG_ID],
            "get": _secured(
                "todos:read",
                {
                    "operationId": "listTodos",
                    "summary": "The org's todos the caller may see, newest first (keyset pagination)",
                    "parameters": [
                        {
                            "name": "status",
                            "in": "query",
                            "description": "`open`: not done yet; `done`: done; `all`: both.",
                            "schema": {"enum": list(STATUSES), "default": "all"},
                        },
                        {
                            "name": "owner",
                            "in": "query",
                            "description": "`mine`: only todos the caller wrote; `all`: every todo they may see.",
                            "schema": {"enum": list(OWNERS), "default": "all"},
                        },
                        {
                            "name": "limit",
                            "in": "query",
                            "description": "Todos per page.",
                            "schema": {"type": "integer", "minimum": 1, "maximum": MAX_PAGE_SIZE, "default": PAGE_SIZE},
                        },
                        {
                            "name": "cursor",
                            "in": "query",
                            "description": "The previous page's `next_cursor`. Any other parameter is refused (422).",
                            "schema": {"type": "string", "maxLength": 200},
                        },
                    ],
                    "responses": {"200": _json({"$ref": "#/components/schemas/TodoPage"}, "One page.")},
                },
                "404",
                "422",
            ),
            "post": _secured(
                "todos:write",
                {
                    "operationId": "createTodo",
                    "summary": "Add a todo by the caller",
                    "requestBody": {
                        "required": True,
                        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/NewTodo"}}},
                    },
                    "responses": {
                        "201": _json(
                            todo,
                            "Created.",
                            {"Location": {"description": "The new todo's URL.", "schema": {"type": "string"}}},
                        )
                    },
                },
                "404",
                "400",
                "413",
                "415",
                "422",
            ),
        },
        "/orgs/{org_id}/todos/{todo_id}": {
            "parameters": [ORG_ID, TODO_ID],
            "get": _secured(
                "todos:read",
                {"operationId": "getTodo", "summary": "One todo", "responses": {"200": _json(todo, "The todo.")}},
                "404",
            ),
            "patch": _secured(
                "todos:write",
                {
                    "operationId": "updateTodo",
                    "summary": "Change some fields (authors; admins and owners for shared todos)",
                    "requestBody": {
                        "required": True,
                        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/TodoChanges"}}},
                    },
                    "responses": {"200": _json(todo, "The changed todo.")},
                },
                "404",
                "400",
                "413",
                "415",
                "422",
            ),
            "delete": _secured(
                "todos:write",
                {
                    "operationId": "deleteTodo",
                    "summary": "Delete a todo (authors; admins and owners for shared todos)",
                    "responses": {"204": {"description": "Deleted."}},
                },
                "404",
            ),
        },
        "/openapi.json": {
            "get": {
                "operationId": "openapi",
                "summary": "This document",
                "security": [],
                "responses": {"200": {"description": "OpenAPI 3.1", "content": {"application/json": {}}}},
            }
        },
    }


def _description(tenant: TenantSettings) -> str:
    """What every call needs, as tenants/api/bearer.py and signin/jwts.py check it (tests hold them together)."""
    orgs = (
        f"The user's organizations and roles come from the token's `{tenant.orgs_claim}` claim alone."
        if tenant.orgs_claim
        else "This tenant trusts no orgs claim: every user works in their personal space only."
    )
    return f"""Org-scoped todos. Every call needs an RFC 9068 access token from the Gatehouse provider, sent as
`Authorization: Bearer <token>` (never in the query string). The token is accepted only when:

- it is a JWT with `typ` `at+jwt`, signed with an asymmetric algorithm by a key in the provider's JWKS;
- `iss` is `{tenant.issuer}`;
- `aud` contains `{tenant.audience}`, this tenant's resource identifier
  (not `{tenant.client_id}`, the client id that ID tokens name);
- `exp` has not passed and `iat` is not in the future (30 s leeway);
- it carries `sub`, `client_id`, `jti` and `scope`, and `scope` holds the scope the operation needs.

{orgs} Members see their org's shared todos and their own private ones; nobody sees another user's
private todo. What the caller cannot see answers 404, never 403.

While an admin impersonates a user, their access token carries an RFC 8693 `act` claim: calls act as the
user, and every write is also recorded with the admin (see `changed_by_actor`)."""


def openapi_document(tenant: TenantSettings) -> dict:
    """The document for one tenant: its URL, its provider, the same API everywhere."""
    return {
        "openapi": "3.1.0",
        "info": {
            "title": f"{tenant.name} todo API",
            "version": "1",
            "description": _description(tenant),
        },
        "servers": [{"url": f"{tenant.url}/api/v1"}],
        "paths": _paths(),
        "components": {
            "schemas": _schemas(),
            "securitySchemes": {
                "gatehouse": {
                    "type": "openIdConnect",
                    "openIdConnectUrl": discovery_url(tenant.issuer),
                    "description": (
                        "RFC 9068 access tokens from the Gatehouse provider, sent as `Authorization: Bearer <token>`: "
                        f"JWTs with `typ` `at+jwt` and `aud` containing `{tenant.audience}`, signed with an asymmetric "
                        "algorithm (Gatehouse signs RS256). Scopes: todos:read, todos:write."
                    ),
                }
            },
        },
    }
