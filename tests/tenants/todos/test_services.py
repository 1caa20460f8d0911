"""Todo flows: field checks shared by pages and API, filters, and keyset pagination."""

import base64
import json
from datetime import datetime, timedelta

import pytest

from common.clock import utcnow
from tenants.todos import listing, services
from tenants.todos.services import InvalidInput
from tests.tenants.people import AUTHOR, MEMBER, ORG

NOW = datetime(2026, 1, 1, 12, 0)


def cursor_of(value) -> str:
    return base64.urlsafe_b64encode(json.dumps(value).encode()).decode().rstrip("=")


@pytest.mark.parametrize(
    ("raw", "field", "message"),
    [
        ({}, "title", "Enter a title."),
        ({"title": ""}, "title", "Enter a title."),
        ({"title": "   "}, "title", "Enter a title."),
        ({"title": "x" * 201}, "title", "Use at most 200 characters."),
        ({"title": 7}, "title", "Must be a string."),
        ({"title": "two\nlines"}, "title", "The title cannot contain control characters or line breaks."),
        ({"title": "nul\x00"}, "title", "The title cannot contain control characters or line breaks."),
        ({"title": "lone \ud800 surrogate"}, "title", "Contains characters that are not valid text."),
        ({"title": "t", "notes": "x" * 10_001}, "notes", "Use at most 10,000 characters."),
        ({"title": "t", "notes": "bell\x07"}, "notes", "The notes cannot contain control characters."),
        ({"title": "t", "done": "yes"}, "done", "Must be true or false."),
        ({"title": "t", "done": 1}, "done", "Must be true or false."),
        ({"title": "t", "due_date": "2026-02-30"}, "due_date", "Enter a real date as YYYY-MM-DD."),
        ({"title": "t", "due_date": "20260201"}, "due_date", "Enter a real date as YYYY-MM-DD."),
        ({"title": "t", "due_date": "tomorrow"}, "due_date", "Enter a real date as YYYY-MM-DD."),
        ({"title": "t", "due_date": 20260201}, "due_date", "Enter a real date as YYYY-MM-DD."),
        ({"title": "t", "visibility": "public"}, "visibility", "Choose private (only you) or org (every member)."),
        ({"title": "t", "author_sub": "sub-owner"}, "author_sub", "Unknown field: it cannot be set."),
        ({"title": "t", "org_id": "77"}, "org_id", "Unknown field: it cannot be set."),
    ],
)
def test_bad_fields_are_refused_with_a_message(raw, field, message):
    with pytest.raises(InvalidInput) as refused:
        services.clean_fields(raw, partial=False)
    assert refused.value.errors[field] == [message]


def test_good_fields_are_cleaned():
    clean = services.clean_fields(
        {"title": "  Ship it  ", "notes": "line 1\nline 2\ttab", "done": True, "due_date": "2026-03-01"},
        partial=False,
    )
    assert clean == {
        "title": "Ship it",
        "notes": "line 1\nline 2\ttab",
        "done": True,
        "due_date": datetime(2026, 3, 1).date(),
    }
    assert services.clean_fields({"due_date": None}, partial=True) == {"due_date": None}
    assert services.clean_fields({"title": "x" * 200}, partial=True) == {"title": "x" * 200}


def test_every_problem_is_reported_at_once():
    with pytest.raises(InvalidInput) as refused:
        services.clean_fields({"title": "", "done": "no", "visibility": "all"}, partial=False)
    assert set(refused.value.errors) == {"title", "done", "visibility"}


def test_pages_walk_every_visible_todo_once_newest_first(in_acme, write_todo):
    written = []
    for n in range(45):
        # Every fourth pair shares a timestamp: the id breaks the tie, so none is skipped or repeated.
        created_at = NOW + timedelta(seconds=n - n % 4 // 3)
        written.append(
            write_todo(in_acme, AUTHOR if n % 3 else MEMBER, "org", title=f"todo {n}", created_at=created_at)
        )
    seen, cursor = [], None
    while True:
        page = listing.list_todos("acme", MEMBER.viewer, ORG, cursor=cursor, limit=10)
        seen += [t.id for t in page.items]
        if page.next_cursor is None:
            break
        cursor = page.next_cursor
    assert sorted(seen) == sorted(written) and len(seen) == len(set(seen)) == 45
    assert [t.created_at for t in listing.list_todos("acme", MEMBER.viewer, ORG, limit=100).items] == sorted(
        (NOW + timedelta(seconds=n - n % 4 // 3) for n in range(45)), reverse=True
    )


def test_filters(in_acme, write_todo):
    mine_open = write_todo(in_acme, MEMBER, "org", title="mine open")
    mine_done = write_todo(in_acme, MEMBER, "private", title="mine done", done=True)
    theirs_open = write_todo(in_acme, AUTHOR, "org", title="theirs open")
    write_todo(in_acme, AUTHOR, "private", title="theirs private")

    def ids(**filters):
        return {t.id for t in listing.list_todos("acme", MEMBER.viewer, ORG, **filters).items}

    assert ids() == {mine_open, mine_done, theirs_open}
    assert ids(status="open") == {mine_open, theirs_open}
    assert ids(status="done") == {mine_done}
    assert ids(owner="mine") == {mine_open, mine_done}
    assert ids(owner="mine", status="done") == {mine_done}


@pytest.mark.parametrize(
    ("filters", "field"),
    [
        ({"status": "closed"}, "status"),
        ({"owner": "theirs"}, "owner"),
        ({"limit": 0}, "limit"),
        ({"limit": 101}, "limit"),
        ({"cursor": "not-a-cursor"}, "cursor"),
        ({"cursor": "W10"}, "cursor"),  # base64 of "[]"
        ({"cursor": cursor_of(["2026-01-01T12:00:00+01:00", "x" * 22])}, "cursor"),  # not naive UTC
        ({"cursor": cursor_of(["2026-01-01T12:00:00", "x" * 21 + "\u0000"])}, "cursor"),
        ({"cursor": cursor_of(["yesterday", "x" * 22])}, "cursor"),
        ({"cursor": cursor_of({"a": 1})}, "cursor"),
        ({"cursor": "x" * 201}, "cursor"),
    ],
)
def test_bad_list_parameters_are_refused(in_acme, filters, field):
    with pytest.raises(InvalidInput) as refused:
        listing.list_todos("acme", MEMBER.viewer, ORG, **filters)
    assert field in refused.value.errors


def test_toggle_and_delete(in_acme, write_todo):
    todo_id = write_todo(in_acme, MEMBER, "private")
    assert services.toggle_todo("acme", MEMBER.viewer, ORG, todo_id, NOW).done is True
    assert services.toggle_todo("acme", MEMBER.viewer, ORG, todo_id, NOW).done is False
    services.delete_todo("acme", MEMBER.viewer, ORG, todo_id, utcnow())
    assert listing.list_todos("acme", MEMBER.viewer, ORG).items == []
