"""Todo flows shared by pages and API: validate, then act through the scoping module; never the request."""

import re
import secrets
from collections.abc import Mapping
from datetime import date, datetime

from sqlalchemy import delete, func, insert, literal, select

from ..extensions import db
from . import scoping
from .models import CREATE, DELETE, NOTES_MAX, PRIVATE, TITLE_MAX, UPDATE, VISIBILITIES, ActorWrite, Todo
from .scoping import Action, Viewer

FIELDS = ("title", "notes", "done", "due_date", "visibility")
ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
# Titles are one line; notes may have line breaks and tabs but no other control characters.
TITLE_FORBIDDEN = re.compile(r"[\x00-\x1f\x7f]")
NOTES_FORBIDDEN = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


class InvalidInput(Exception):
    """Input that cannot be saved; errors maps each field to messages a person can act on."""

    def __init__(self, errors: dict[str, list[str]]):
        super().__init__("; ".join(f"{k}: {' '.join(v)}" for k, v in errors.items()))
        self.errors = errors


def _text(value: object, field: str, errors: dict, *, maximum: int, forbidden: re.Pattern, what: str) -> str | None:
    if not isinstance(value, str):
        errors[field] = ["Must be a string."]
        return None
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        # A lone surrogate from JSON ("\ud800") cannot be stored: refuse it here rather than fail in the database.
        errors[field] = ["Contains characters that are not valid text."]
        return None
    if forbidden.search(value):
        errors[field] = [f"The {what} cannot contain control characters{' or line breaks' if what == 'title' else ''}."]
        return None
    if len(value) > maximum:
        errors[field] = [f"Use at most {maximum:,} characters."]
        return None
    return value


def _due_date(value: object, errors: dict) -> date | None:
    if value is None:
        return None
    if isinstance(value, str) and ISO_DATE.fullmatch(value):
        try:
            return date.fromisoformat(value)
        except ValueError:
            pass
    errors["due_date"] = ["Enter a real date as YYYY-MM-DD."]
    return None


def clean_fields(raw: Mapping, *, partial: bool) -> dict:
    """Check todo fields from a form or JSON body; raise InvalidInput with every problem at once."""
    errors: dict[str, list[str]] = {}
    clean: dict = {}
    for name in raw:
        if name not in FIELDS:
            # Mass assignment (OWASP API3): ids, authors, orgs and timestamps are never taken from input.
            errors[str(name)[:50]] = ["Unknown field: it cannot be set."]
    if "title" in raw:
        title = _text(raw["title"], "title", errors, maximum=TITLE_MAX, forbidden=TITLE_FORBIDDEN, what="title")
        if title is not None:
            if not title.strip():
                errors["title"] = ["Enter a title."]
            else:
                clean["title"] = title.strip()
    elif not partial:
        errors["title"] = ["Enter a title."]
    if "notes" in raw:
        notes = _text(raw["notes"], "notes", errors, maximum=NOTES_MAX, forbidden=NOTES_FORBIDDEN, what="notes")
        if notes is not None:
            clean["notes"] = notes
    if "done" in raw:
        if isinstance(raw["done"], bool):
            clean["done"] = raw["done"]
        else:
            errors["done"] = ["Must be true or false."]
    if "due_date" in raw:
        clean["due_date"] = _due_date(raw["due_date"], errors)
    if "visibility" in raw:
        if isinstance(raw["visibility"], str) and raw["visibility"] in VISIBILITIES:
            clean["visibility"] = raw["visibility"]
        else:
            errors["visibility"] = ["Choose private (only you) or org (every member)."]
    if errors:
        raise InvalidInput(errors)
    return clean


def _actor_write(site: str, viewer: Viewer, todo: Todo, action: str, now: datetime) -> None:
    """Log the write with its actor when an admin is acting as the viewer; no actor, no entry."""
    if viewer.actor is None:
        return
    db.session.add(
        ActorWrite(
            site=site,
            iss=todo.iss,
            todo_id=todo.id,
            org_id=todo.org_id,
            subject_sub=viewer.sub,
            subject_name=(viewer.name or "")[:200],
            actor_sub=viewer.actor.actor_sub,
            actor_name=(viewer.actor.actor_name or "")[:200],
            action=action,
            at=now,
        )
    )


def last_actor_changes(site: str, todos: list[Todo]) -> dict[str, ActorWrite]:
    """For each todo whose latest change an impersonating admin made, that write (todos changed since are left out)."""
    if not todos:
        return {}
    by_id = {todo.id: todo for todo in todos}
    writes = db.session.scalars(
        select(ActorWrite)
        .where(
            ActorWrite.site == site,
            ActorWrite.iss.in_({todo.iss for todo in todos}),
            ActorWrite.todo_id.in_(by_id),
            ActorWrite.action != DELETE,
        )
        .order_by(ActorWrite.at, ActorWrite.id)
    )
    latest = {write.todo_id: write for write in writes}
    # Every change sets updated_at to the write's time, so an older entry means the user changed it since.
    return {todo_id: w for todo_id, w in latest.items() if w.at >= by_id[todo_id].updated_at}


def new_todo_id() -> str:
    """A random 128-bit id in 22 url-safe characters."""
    return secrets.token_urlsafe(16)


def create_todo(site: str, viewer: Viewer, org_id: str, raw: Mapping, now: datetime) -> Todo:
    """Add a todo by the viewer to an org they belong to (every role may create); private unless asked."""
    membership = scoping.membership_in(viewer, org_id)
    fields = clean_fields(raw, partial=False)
    todo = Todo(
        id=new_todo_id(),
        site=site,
        iss=viewer.iss,
        org_id=membership.org_id,
        author_sub=viewer.sub,
        author_name=(viewer.name or "")[:200],
        title=fields["title"],
        notes=fields.get("notes", ""),
        done=fields.get("done", False),
        due_date=fields.get("due_date"),
        # Private by default: sharing with the org is a choice, never an accident.
        visibility=fields.get("visibility", PRIVATE),
        created_at=now,
        updated_at=now,
    )
    db.session.add(todo)
    _actor_write(site, viewer, todo, CREATE, now)
    db.session.commit()
    return todo


def get_todo(site: str, viewer: Viewer, org_id: str, todo_id: object, action: Action = Action.READ) -> Todo:
    """A todo the viewer may see, or change when action says so (a page showing an edit form asks for UPDATE)."""
    return scoping.load_todo(db.session, site, viewer, org_id, todo_id, action)


def update_todo(site: str, viewer: Viewer, org_id: str, todo_id: object, raw: Mapping, now: datetime) -> Todo:
    """Change some fields of a todo the viewer may change."""
    todo = scoping.load_todo(db.session, site, viewer, org_id, todo_id, Action.UPDATE)
    fields = clean_fields(raw, partial=True)
    changes_visibility = "visibility" in fields and fields["visibility"] != todo.visibility
    if changes_visibility and not scoping.may_set_visibility(viewer.sub, todo):
        raise scoping.Forbidden("Only the author can change who sees a todo.")
    for name, value in fields.items():
        setattr(todo, name, value)
    todo.updated_at = now
    _actor_write(site, viewer, todo, UPDATE, now)
    db.session.commit()
    return todo


def toggle_todo(site: str, viewer: Viewer, org_id: str, todo_id: object, now: datetime) -> Todo:
    """Mark a todo done, or open again."""
    todo = scoping.load_todo(db.session, site, viewer, org_id, todo_id, Action.TOGGLE)
    todo.done = not todo.done
    todo.updated_at = now
    _actor_write(site, viewer, todo, UPDATE, now)
    db.session.commit()
    return todo


def delete_todo(site: str, viewer: Viewer, org_id: str, todo_id: object, now: datetime) -> None:
    """Delete a todo the viewer may change."""
    todo = scoping.load_todo(db.session, site, viewer, org_id, todo_id, Action.DELETE)
    _actor_write(site, viewer, todo, DELETE, now)
    db.session.delete(todo)
    db.session.commit()


def count_own_todos(site: str, viewer: Viewer, org_id: str) -> int:
    """How many todos the viewer wrote in the org (what delete_own_todos would remove)."""
    own = scoping.own_todos(site, viewer, org_id).subquery()
    return db.session.scalar(select(func.count()).select_from(own))


def delete_own_todos(site: str, viewer: Viewer, org_id: str, now: datetime) -> int:
    """Delete every todo the viewer wrote in the org, private and shared; other members' todos stay."""
    own_ids = scoping.own_todos(site, viewer, org_id).with_only_columns(Todo.id)
    if viewer.actor is not None:
        db.session.execute(_actor_deletes(site, viewer, own_ids, now))
    # One statement, however many todos: no row is loaded, and the scope is the same query as everywhere.
    result = db.session.execute(delete(Todo).where(Todo.id.in_(own_ids)).execution_options(synchronize_session=False))
    db.session.commit()
    return result.rowcount


def _actor_deletes(site: str, viewer: Viewer, own_ids, now: datetime):
    """One INSERT … SELECT logging a delete per todo of own_ids, like _actor_write does for one todo."""
    actor = viewer.actor
    rows = select(
        literal(site),
        Todo.iss,
        Todo.id,
        Todo.org_id,
        literal(viewer.sub),
        literal((viewer.name or "")[:200]),
        literal(actor.actor_sub),
        literal((actor.actor_name or "")[:200]),
        literal(DELETE),
        literal(now),
    ).where(Todo.id.in_(own_ids))
    columns = [
        "site",
        "iss",
        "todo_id",
        "org_id",
        "subject_sub",
        "subject_name",
        "actor_sub",
        "actor_name",
        "action",
        "at",
    ]
    return insert(ActorWrite).from_select(columns, rows)
