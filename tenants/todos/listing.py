"""Todo lists: keyset pages newest first, their cursors, and the open/done counts; never the request.

Every list statement fixes each index column before created_at, so it reads one index range per part of
scoping.list_parts whatever the table holds (README "Scale").
"""

import base64
import binascii
import functools
import json
from collections import namedtuple
from dataclasses import dataclass, field, replace
from datetime import datetime

from sqlalchemy import Integer, Select, bindparam, func, not_, select, true, tuple_, union_all

from ..extensions import db
from . import scoping
from .models import DELETE, ActorWrite, Todo
from .scoping import Viewer
from .services import InvalidInput

PAGE_SIZE = 20
MAX_PAGE_SIZE = 100
STATUSES = ("all", "open", "done")
OWNERS = ("all", "mine")
CURSOR_MAX = 200
# A list's count reads at most this many todos (a few ms on PostgreSQL); a longer list says "more than 1,000".
COUNT_LIMIT = 1_000
# Which way a keyset page walks from its cursor: to older todos (a next page) or newer ones (a previous page).
AFTER = "after"
BEFORE = "before"


@dataclass(frozen=True)
class Page:
    """One page of a todo list, the cursors of the pages around it (None at either end), and impersonated changes."""

    items: list  # named tuples of Todo's columns, read-only (list_todos reads no ORM objects)
    next_cursor: str | None
    actor_changes: dict[str, ActorWrite] = field(default_factory=dict)
    # A `before` cursor: the page of newer todos (None on the first page).
    previous_cursor: str | None = None
    # With counts=True: the whole list's open and done todos (count_todos), read in the page's statement.
    counts: "Counts | None" = None


@dataclass(frozen=True)
class Counts:
    """How many todos a list holds, open and done, whatever page is shown; more: over COUNT_LIMIT, not all counted."""

    open: int
    done: int
    more: bool = False

    @property
    def total(self) -> int:
        return self.open + self.done


def encode_cursor(todo: Todo) -> str:
    """An opaque bookmark after this todo in the newest-first order."""
    raw = json.dumps([todo.created_at.isoformat(), todo.id]).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str) -> tuple[datetime, str]:
    """The (created_at, id) position a cursor stands for; InvalidInput if it was not made by encode_cursor."""
    try:
        if len(cursor) > CURSOR_MAX:
            raise ValueError("too long")
        created, todo_id = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
        if not isinstance(todo_id, str) or not scoping.TODO_ID.fullmatch(todo_id):
            raise ValueError("bad id")
        created_at = datetime.fromisoformat(created)
        if created_at.tzinfo is not None:
            raise ValueError("timestamps are naive UTC")
        return created_at, todo_id
    except (ValueError, TypeError, binascii.Error, UnicodeDecodeError) as error:
        raise InvalidInput({"cursor": ["This page link is not valid; start from the first page."]}) from error


def _keyset_page(query: Select, status: str, towards: str | None) -> Select:
    """The next `size` todos of query past the cursor position (`cursor_*`): one ordered index range.

    towards=None or AFTER walks older todos, newest first; BEFORE walks newer ones, oldest first (callers reverse).
    """
    todos = Todo.__table__.c
    if status != "all":
        query = query.where(todos.done == (status == "done"))
    position = tuple_(todos.created_at, todos.id)
    if towards is not None:
        # Typed: in a tuple the column types do not reach the parameters (SQLite compares datetimes as text).
        cursor = tuple_(
            bindparam("cursor_at", type_=todos.created_at.type), bindparam("cursor_id", type_=todos.id.type)
        )
        query = query.where(position > cursor if towards == BEFORE else position < cursor)
    order = (
        (todos.created_at.asc(), todos.id.asc()) if towards == BEFORE else (todos.created_at.desc(), todos.id.desc())
    )
    return query.order_by(*order).limit(bindparam("size", type_=Integer))


@functools.cache
def _list_statement(mine: bool, status: str, towards: str | None, actor_changes: bool, counts: bool = False):
    """The statement of one kind of list page, built once: building it costs more than running it.

    Plain rows with Todo's columns (Core: no ORM object per row); with actor_changes each row also holds
    actor_write_id, its last_actor_changes entry or None. Parts are subqueries, since SQLite wants their
    ORDER BY/LIMIT wrapped.
    """
    pages = [_keyset_page(part, status, towards) for part in scoping.list_parts(mine=mine)]
    merged = (pages[0] if len(pages) == 1 else union_all(*(select(page.subquery()) for page in pages))).subquery()
    key = (merged.c.created_at, merged.c.id)
    order = [c.asc() for c in key] if towards == BEFORE else [c.desc() for c in key]
    newest = select(merged).order_by(*order).limit(bindparam("size"))
    if counts:
        # The one row of count_todos' statement on every row of the page: one statement, not two.
        counted = _count_statement(mine).subquery()
        newest = newest.add_columns(counted.c.open_count, counted.c.done_count).join_from(merged, counted, true())
    if not actor_changes:
        return newest
    # The todo's latest impersonated write, unless the todo changed after it (as last_actor_changes decides).
    writes = ActorWrite.__table__.c
    latest = (
        select(writes.id)
        .where(
            writes.site == bindparam("site"),
            writes.iss == merged.c.iss,
            writes.todo_id == merged.c.id,
            writes.action != DELETE,
            writes.at >= merged.c.updated_at,
        )
        .order_by(writes.at.desc(), writes.id.desc())
        .limit(1)
        .scalar_subquery()
        .label("actor_write_id")
    )
    return newest.add_columns(latest)


@functools.cache
def _record_type(columns: tuple[str, ...]):
    """A named tuple of a list statement's columns: a page reads a dozen fields per row, and reading one
    from a SQLAlchemy Row costs several times a named tuple's."""
    return namedtuple("TodoRecord", columns)


def list_todos(
    site: str,
    viewer: Viewer,
    org_id: str,
    *,
    status: str = "all",
    owner: str = "all",
    cursor: str | None = None,
    before: str | None = None,
    limit: int = PAGE_SIZE,
    actor_changes: bool = False,
    counts: bool = False,
) -> Page:
    """A page of visible todos, newest first, by keyset on (created_at, id): as fast on page 1,000 as on page 1.

    cursor (a next_cursor) asks for the page after it, before (a previous_cursor) for the page before it.
    actor_changes=True also reads each todo's last_actor_changes entry, in the same statement; counts=True
    the list's open and done counts (Page.counts, as count_todos gives them), with a second statement only
    for an empty page.
    """
    _check_list_options(status, owner, limit, cursor, before)
    values = scoping.list_values(site, viewer, org_id) | {"size": limit + 1}
    towards = AFTER if cursor else BEFORE if before else None
    if towards is not None:
        values["cursor_at"], values["cursor_id"] = decode_cursor(cursor or before)
    if counts:
        values["count_limit"] = COUNT_LIMIT + 1
    # all(): one fetch of the page, not a driver call per row.
    result = db.session.execute(_list_statement(owner == "mine", status, towards, actor_changes, counts), values)
    rows = list(map(_record_type(tuple(result.keys()))._make, result.all()))
    list_counts = None
    if counts:
        # An empty page has no row to carry them: only then are they counted on their own.
        first = rows[0] if rows else None
        list_counts = (
            _counts(first.open_count, first.done_count) if first else count_todos(site, viewer, org_id, owner=owner)
        )
    more = len(rows) > limit
    rows = rows[:limit]
    if towards == BEFORE:
        rows.reverse()
        if not more and len(rows) < limit:
            # Back at the newest todos with a short page (some were deleted): show the full first page instead.
            return list_todos(
                site,
                viewer,
                org_id,
                status=status,
                owner=owner,
                limit=limit,
                actor_changes=actor_changes,
                counts=counts,
            )
    write_ids = {todo.actor_write_id: todo.id for todo in rows if actor_changes and todo.actor_write_id is not None}
    # A second statement only for a page that holds impersonated changes.
    writes = db.session.scalars(select(ActorWrite).where(ActorWrite.id.in_(write_ids))) if write_ids else ()
    changes = {write_ids[write.id]: write for write in writes}
    older = more or towards == BEFORE
    newer = (more and towards == BEFORE) or towards == AFTER
    return Page(
        items=rows,
        next_cursor=encode_cursor(rows[-1]) if rows and older else None,
        previous_cursor=encode_cursor(rows[0]) if rows and newer else None,
        actor_changes=changes,
        counts=list_counts,
    )


def _check_list_options(status: object, owner: object, limit: object, cursor: object, before: object) -> None:
    """InvalidInput naming every list option that is not one of the known values."""
    errors = {}
    if status not in STATUSES:
        errors["status"] = [f"Use one of: {', '.join(STATUSES)}."]
    if owner not in OWNERS:
        errors["owner"] = [f"Use one of: {', '.join(OWNERS)}."]
    if not isinstance(limit, int) or not 1 <= limit <= MAX_PAGE_SIZE:
        errors["limit"] = [f"Use a number from 1 to {MAX_PAGE_SIZE}."]
    if cursor and before:
        errors["cursor"] = ["Use one page link at a time."]
    if errors:
        raise InvalidInput(errors)


@functools.cache
def _count_statement(mine: bool):
    """One row, open_count and done_count, over a list page's index ranges (list_parts), of at most
    `count_limit` todos in all; built once."""
    parts = [part.with_only_columns(Todo.__table__.c.done) for part in scoping.list_parts(mine=mine)]
    visible = (parts[0] if len(parts) == 1 else union_all(*parts)).subquery()
    capped = select(visible.c.done).limit(bindparam("count_limit", type_=Integer)).subquery()
    return select(
        func.count().filter(not_(capped.c.done)).label("open_count"),
        func.count().filter(capped.c.done).label("done_count"),
    )


def _counts(open_count: int, done_count: int) -> Counts:
    counts = Counts(open=open_count or 0, done=done_count or 0)
    return replace(counts, more=True) if counts.total > COUNT_LIMIT else counts


def count_todos(site: str, viewer: Viewer, org_id: str, *, owner: str = "all") -> Counts:
    """How many visible todos (all, or the viewer's own) are open and done: one statement, one row per state.

    `done` is in no index, so each visible todo costs an index entry and a table row: the cost grows with
    the list (PostgreSQL: about 3 µs a todo), never with other orgs' rows, and stops at COUNT_LIMIT todos.
    """
    _check_list_options("all", owner, PAGE_SIZE, None, None)
    values = scoping.list_values(site, viewer, org_id) | {"count_limit": COUNT_LIMIT + 1}
    return _counts(*db.session.execute(_count_statement(owner == "mine"), values).one())
