"""Round trips per request: a todo list is one ordered index range, the todo page and the API list few statements."""

import re
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from flask import before_render_template, template_rendered, url_for

from tenants.extensions import db
from tenants.todos import listing
from tenants.todos.models import Todo
from tests.tenants.people import AUTHOR, MEMBER, ORG
from tests.tenants.sql import on_statements, recorded_sql

NOW = datetime(2026, 12, 3, 9, 0, tzinfo=UTC)
LISTS = [
    pytest.param({}, id="everyone's"),
    pytest.param({"owner": "mine"}, id="mine"),
    pytest.param({"status": "open"}, id="open"),
    pytest.param({"owner": "mine", "status": "done"}, id="mine-done"),
]


@pytest.fixture
def many_todos(acme_app, write_todo):
    """45 todos in ORG: the member's and the author's, shared and private (more than two pages)."""
    for n in range(45):
        author, visibility = (MEMBER if n % 3 else AUTHOR), ("org" if n % 2 else "private")
        write_todo(acme_app, author, visibility, title=f"Item {n}", done=n % 4 == 0)
    return acme_app


@pytest.mark.parametrize("filters", LISTS)
@pytest.mark.parametrize("towards", ["cursor", "before"])
def test_a_list_page_is_one_statement_without_an_or(many_todos, filters, towards):
    """An OR let PostgreSQL without statistics walk the whole org newest first and filter it (issue 11)."""
    with many_todos.app_context():
        pages = [listing.list_todos("acme", MEMBER.viewer, ORG, limit=3, **filters)]
        for _ in range(2):
            pages.append(
                listing.list_todos("acme", MEMBER.viewer, ORG, limit=3, cursor=pages[-1].next_cursor, **filters)
            )
        # From the third page: on to the next, or back to the second (which has a first page before it).
        cursor = pages[1].next_cursor if towards == "cursor" else pages[2].previous_cursor
        with recorded_sql() as statements:
            page = listing.list_todos("acme", MEMBER.viewer, ORG, limit=3, **{towards: cursor}, **filters)
        db.session.remove()
    assert len(statements) == 1, statements
    assert " OR " not in statements[0].upper(), statements[0]
    assert [t.id for t in page.items] == [t.id for t in pages[2 if towards == "cursor" else 1].items]


@pytest.mark.parametrize("owner", ["all", "mine"])
def test_the_open_and_done_count_is_one_grouped_statement_without_an_or(many_todos, owner):
    """The same index ranges as a list page, counted in one statement (the list's tabs show it on every page)."""
    with many_todos.app_context(), recorded_sql() as statements:
        listing.count_todos("acme", MEMBER.viewer, ORG, owner=owner)
        db.session.remove()
    assert len(statements) == 1 and "count(" in statements[0].lower(), statements
    assert " OR " not in statements[0].upper(), statements[0]


def test_no_index_covers_the_org_alone():
    """Each list fixes every column before created_at of its index; an org-only index invites a filtered walk."""
    columns = {index.name: [c.name for c in index.columns] for index in Todo.__table__.indexes}
    assert columns == {
        "ix_todos_site_iss_org_visibility_created": ["site", "iss", "org_id", "visibility", "created_at", "id"],
        "ix_todos_site_iss_org_author_created": ["site", "iss", "org_id", "author_sub", "created_at", "id"],
    }


@pytest.fixture
def acme(many_todos, fake_provider):
    return fake_provider(many_todos)


@contextmanager
def statements_of(app) -> Iterator[dict[str, list[str]]]:
    """The statements of the requests in the block: all of them, and those sent while a template rendered."""
    seen = {"all": [], "render": []}
    rendering = []

    def started(sender, template, context, **extra):
        rendering.append(template)

    def finished(sender, template, context, **extra):
        rendering.pop()

    def record(statement, _autocommit):
        seen["all"].append(statement)
        if rendering:
            seen["render"].append(statement)

    before_render_template.connect(started, app)
    template_rendered.connect(finished, app)
    try:
        with on_statements(app, record):
            yield seen
    finally:
        template_rendered.disconnect(finished, app)
        before_render_template.disconnect(started, app)


def test_the_todo_page_reads_session_and_tokens_in_one_statement_and_writes_nothing(acme, browser_as):
    with time_machine.travel(NOW, tick=False) as clock:
        browser = browser_as(acme, MEMBER, active_org=ORG)
        assert browser.get("/todos/").status_code == 200  # the first page view stores the CSRF token
        with statements_of(acme) as seen:
            page = browser.get("/todos/")
        assert page.status_code == 200 and page.get_data(as_text=True).count('<li class="todo-row') == 20
        # The session row with its token set, then the page of todos with the open/done count on its rows;
        # no UPDATE of an unchanged session.
        assert len(seen["all"]) == 2, seen["all"]
        assert "JOIN token_sets" in seen["all"][0] and "FROM todos" in seen["all"][1]
        assert "open_count" in seen["all"][1]
        assert seen["render"] == []

        clock.shift(timedelta(seconds=61))  # past the session's touch interval: one UPDATE notes the visit
        with statements_of(acme) as seen:
            assert browser.get("/todos/").status_code == 200
        assert [s.split()[0] for s in seen["all"]] == ["SELECT", "SELECT", "UPDATE"], seen["all"]


def test_an_empty_page_still_shows_the_lists_counts(acme, browser_as):
    """The counts ride on the page's rows; a page past the last todo has none, so they are counted on their own."""
    browser = browser_as(acme, MEMBER, active_org=ORG)
    with acme.app_context():
        counts = listing.count_todos("acme", MEMBER.viewer, ORG)
        last = listing.list_todos("acme", MEMBER.viewer, ORG, status="all", limit=100).items[-1]
    html = browser.get(f"/todos/?status=all&after={listing.encode_cursor(last)}").get_data(as_text=True)
    assert f"{counts.open} open · {counts.done} done" in html and '<li class="todo-row' not in html


def test_row_actions_share_the_one_csrf_token_and_posts_are_still_checked(acme, browser_as):
    browser = browser_as(acme, MEMBER, active_org=ORG)
    html = browser.get("/todos/").get_data(as_text=True)
    tokens = re.findall(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"', html)
    # The header's forms and the toggle of every row the member may change: one token for all.
    assert len(tokens) > html.count("/toggle") > 2 and len(set(tokens)) == 1
    toggle = re.search(r'action="(/todos/[^"]+/toggle)"', html).group(1)
    assert browser.post(toggle, data={"next": "/todos/"}).status_code == 400
    assert browser.post(toggle, data={"csrf_token": tokens[0], "next": "/todos/"}).status_code == 303


def test_row_action_links_are_the_routes_urls(acme, browser_as):
    """The row macro derives action URLs from the todo's page URL: a moved route must fail here."""
    html = browser_as(acme, MEMBER, active_org=ORG).get("/todos/").get_data(as_text=True)
    todo_id = re.search(r'action="/todos/([^"/]+)/toggle"', html).group(1)
    with acme.test_request_context():
        for endpoint in ("todos.toggle", "todos.edit", "todos.delete"):
            assert f'"{url_for(endpoint, todo_id=todo_id)}"' in html, endpoint


def test_the_bearer_list_is_the_list_statement_and_a_not_before_lookup(acme, access_token, api):
    token = access_token(acme, MEMBER)
    with statements_of(acme) as seen:
        response = api(acme, "GET", f"/api/v1/orgs/{ORG}/todos", token)
    assert response.status_code == 200 and len(response.get_json()["items"]) == 20
    # The list itself, and the user's not-before by primary key (docs/security-events.md): a token
    # issued before a membership change must be refused whichever worker received the event.
    assert len(seen["all"]) == 2, seen["all"]
    assert "subject_not_before" in seen["all"][0]


@contextmanager
def isolation_levels(app) -> Iterator[list[tuple[str, str | None]]]:
    """(verb, isolation level) of each statement sent in the block: AUTOCOMMIT, or None for a transaction."""
    levels = []

    def record(statement, autocommit):
        levels.append((statement.split()[0], "AUTOCOMMIT" if autocommit else None))

    with on_statements(app, record):
        yield levels


def test_bearer_reads_run_without_a_transaction_and_writes_keep_theirs(acme, access_token, api):
    """An API GET only reads: each statement commits on its own, with no BEGIN and ROLLBACK round trips."""
    token = access_token(acme, MEMBER)
    with isolation_levels(acme) as reads:
        assert api(acme, "GET", f"/api/v1/orgs/{ORG}/todos", token).status_code == 200
    with isolation_levels(acme) as writes:
        created = api(acme, "POST", f"/api/v1/orgs/{ORG}/todos", token, json={"title": "Written in a transaction"})
    assert created.status_code == 201
    assert reads and all(level == "AUTOCOMMIT" for _, level in reads), reads
    assert "INSERT" in {verb for verb, _ in writes} and all(level is None for _, level in writes), writes


def test_a_signed_in_page_reads_without_a_transaction_and_a_post_keeps_its_own(acme, browser_as):
    with time_machine.travel(NOW, tick=False) as clock:
        browser = browser_as(acme, MEMBER, active_org=ORG)
        html = browser.get("/todos/").get_data(as_text=True)
        clock.shift(timedelta(seconds=61))  # the visit is noted too: an UPDATE, committed at once on its own
        with isolation_levels(acme) as page:
            assert browser.get("/todos/").status_code == 200
        token = re.search(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"', html).group(1)
        toggle = re.search(r'action="(/todos/[^"]+/toggle)"', html).group(1)
        with isolation_levels(acme) as post:
            assert browser.post(toggle, data={"csrf_token": token, "next": "/todos/"}).status_code == 303
    assert [verb for verb, _ in page] == ["SELECT", "SELECT", "UPDATE"]
    assert all(level == "AUTOCOMMIT" for _, level in page), page
    assert "UPDATE" in {verb for verb, _ in post} and all(level is None for _, level in post), post
