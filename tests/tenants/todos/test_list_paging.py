"""Todo list pages: next and previous by keyset, both ways, and page links that were tampered with."""

import base64
import json
import re
from datetime import datetime
from types import SimpleNamespace

import pytest

from tenants.extensions import db
from tenants.todos import listing
from tenants.todos.models import Todo
from tests.tenants.people import MEMBER, ORG


def text(response) -> str:
    assert response.status_code == 200, response.status_code
    return response.get_data(as_text=True)


def link(page: str, rel: str) -> str | None:
    found = re.search(rf'rel="{rel}" href="([^"]+)"', page)
    return found.group(1).replace("&amp;", "&") if found else None


def items(page: str) -> list[str]:
    return re.findall(r'class="todo-title" href="[^"]+">([^<]+)</a>', page)


def cursor(raw) -> str:
    return base64.urlsafe_b64encode(json.dumps(raw).encode()).decode().rstrip("=")


def test_previous_and_next_pages_walk_the_list_both_ways(acme, browser_as, write_todo):
    for n in range(45):
        write_todo(acme, MEMBER, "org", title=f"Item {n:02d}")
    browser = browser_as(acme, MEMBER, active_org=ORG)

    first = text(browser.get("/todos/"))
    assert items(first) == [f"Item {n:02d}" for n in range(44, 24, -1)]
    assert link(first, "prev") is None and "45 open · 0 done" in first
    second = text(browser.get(link(first, "next")))
    assert items(second) == [f"Item {n:02d}" for n in range(24, 4, -1)]
    third = text(browser.get(link(second, "next")))
    assert items(third) == [f"Item {n:02d}" for n in range(4, -1, -1)] and link(third, "next") is None

    back_to_second = text(browser.get(link(third, "prev")))
    assert items(back_to_second) == items(second)
    assert link(back_to_second, "next") == link(second, "next")
    back_to_first = text(browser.get(link(back_to_second, "prev")))
    assert items(back_to_first) == items(first) and link(back_to_first, "prev") is None


def test_page_links_keep_the_tab_and_the_filter(acme, browser_as, write_todo):
    for n in range(25):
        write_todo(acme, MEMBER, "org", title=f"Done {n:02d}", done=True)
    write_todo(acme, MEMBER, "org", title="Open one")
    page = text(browser_as(acme, MEMBER, active_org=ORG).get("/todos/?status=done&owner=mine"))
    assert "Open one" not in page
    assert "status=done" in link(page, "next") and "owner=mine" in link(page, "next")


def test_going_back_after_newer_todos_were_deleted_shows_a_full_first_page(acme, browser_as, write_todo):
    ids = [write_todo(acme, MEMBER, "org", title=f"Item {n:02d}") for n in range(25)]
    browser = browser_as(acme, MEMBER, active_org=ORG)
    second = text(browser.get(link(text(browser.get("/todos/")), "next")))
    assert items(second) == [f"Item {n:02d}" for n in range(4, -1, -1)]
    with acme.app_context():
        db.session.execute(db.delete(Todo).where(Todo.id.in_(ids[-3:])))
        db.session.commit()
    previous = text(browser.get(link(second, "prev")))
    # Only 17 newer todos are left: the first page, filled to 20, with no page before it.
    assert items(previous) == [f"Item {n:02d}" for n in range(21, 1, -1)] and link(previous, "prev") is None


def test_a_page_past_the_end_offers_the_first_page(acme, browser_as, write_todo):
    write_todo(acme, MEMBER, "org", title="Only one")
    browser = browser_as(acme, MEMBER, active_org=ORG)
    ancient = cursor([datetime(1970, 1, 1).isoformat(), "A" * 22])
    page = text(browser.get(f"/todos/?after={ancient}"))
    assert items(page) == [] and "Back to the first page" in page
    future = cursor([datetime(9999, 1, 1).isoformat(), "A" * 22])
    page = text(browser.get(f"/todos/?before={future}"))
    assert items(page) == ["Only one"] and link(page, "prev") is None


@pytest.mark.parametrize("name", ["after", "before"])
@pytest.mark.parametrize(
    "value",
    [
        "garbage",
        "A" * 3000,
        cursor(["2026-01-01T00:00:00", "short"]),
        cursor(["2026-01-01T00:00:00+02:00", "A" * 22]),
        cursor(["not a time", "A" * 22]),
        cursor({"at": "2026-01-01T00:00:00"}),
        cursor([1, 2]),
        "%00",
    ],
)
def test_tampered_page_links_get_an_error_page(acme, browser_as, name, value):
    response = browser_as(acme, MEMBER, active_org=ORG).get(f"/todos/?{name}={value}")
    assert response.status_code == 400


def test_a_page_link_goes_one_way_at_a_time(acme, browser_as):
    both = listing.encode_cursor(SimpleNamespace(created_at=datetime(2026, 1, 2), id="A" * 22))
    response = browser_as(acme, MEMBER, active_org=ORG).get(f"/todos/?after={both}&before={both}")
    assert response.status_code == 400 and "Use one page link at a time." in response.get_data(as_text=True)
