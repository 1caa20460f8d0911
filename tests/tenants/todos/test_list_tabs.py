"""The todo list: open and done apart (tabs, open first), the count, checkbox-style toggles, calm rows, filters."""

import re

import pytest

from tenants.todos import listing
from tenants.todos.listing import Counts
from tests.conftest import csrf_token
from tests.tenants.people import AUTHOR, MEMBER, ORG, OTHER_ORG, OUTSIDER


def text(response) -> str:
    assert response.status_code == 200, response.status_code
    return response.get_data(as_text=True)


def current_tab(page: str) -> str:
    return re.search(r'<nav class="tabs"[^>]*>.*?<a [^>]*aria-current="page">([^<]+)</a>', page, re.S).group(1)


def test_the_open_tab_is_the_default_and_done_todos_are_apart(acme, browser_as, write_todo):
    write_todo(acme, MEMBER, "org", title="Still to do")
    write_todo(acme, MEMBER, "org", title="Finished already", done=True)
    browser = browser_as(acme, MEMBER, active_org=ORG)

    default = text(browser.get("/todos/"))
    assert current_tab(default) == "Open"
    assert "Still to do" in default and "Finished already" not in default
    done = text(browser.get("/todos/?status=done"))
    assert current_tab(done) == "Done"
    assert "Finished already" in done and "Still to do" not in done
    every = text(browser.get("/todos/?status=all"))
    assert current_tab(every) == "All" and "Still to do" in every and "Finished already" in every
    assert re.search(r'<li class="todo-row done">\s*<form[^>]*>.*?Finished already', every, re.S)


def test_the_count_says_how_many_are_open_and_done(acme, browser_as, write_todo):
    for n in range(3):
        write_todo(acme, AUTHOR, "org", title=f"Shared {n}")
    write_todo(acme, MEMBER, "private", title="My open one")
    write_todo(acme, MEMBER, "org", title="My done one", done=True)
    write_todo(acme, AUTHOR, "org", title="Their done one", done=True)
    write_todo(acme, AUTHOR, "private", title="Not counted: someone else's private todo")
    write_todo(acme, OUTSIDER, "org", org=OTHER_ORG, title="Not counted: another org")
    browser = browser_as(acme, MEMBER, active_org=ORG)

    assert "4 open · 2 done" in text(browser.get("/todos/"))
    # The count is of the whole list, whichever tab or page is shown; "Mine" counts the viewer's own.
    assert "4 open · 2 done" in text(browser.get("/todos/?status=done"))
    assert "1 open · 1 done (yours)" in text(browser.get("/todos/?owner=mine"))
    with acme.app_context():
        assert listing.count_todos("acme", MEMBER.viewer, ORG) == Counts(open=4, done=2)
        assert listing.count_todos("acme", AUTHOR.viewer, ORG) == Counts(open=4, done=2)
        assert listing.count_todos("acme", MEMBER.viewer, MEMBER.personal_org) == Counts(open=0, done=0)


def test_a_long_list_is_counted_up_to_a_limit(acme, browser_as, write_todo, monkeypatch):
    monkeypatch.setattr(listing, "COUNT_LIMIT", 3)
    for n in range(3):
        write_todo(acme, MEMBER, "org", title=f"Item {n}")
    browser = browser_as(acme, MEMBER, active_org=ORG)
    assert "3 open · 0 done" in text(browser.get("/todos/"))
    write_todo(acme, MEMBER, "org", title="One too many", done=True)
    page = text(browser.get("/todos/"))
    assert "More than 3 todos" in page and " open · " not in page
    with acme.app_context():
        assert listing.count_todos("acme", MEMBER.viewer, ORG).more


def test_each_row_has_a_checkbox_style_toggle_named_for_its_todo(acme, browser_as, write_todo):
    open_id = write_todo(acme, MEMBER, "org", title="Water the plants")
    done_id = write_todo(acme, MEMBER, "org", title="Order coffee", done=True)
    browser = browser_as(acme, MEMBER, active_org=ORG)
    page = text(browser.get("/todos/?status=all"))
    for todo_id, name in ((open_id, "Mark “Water the plants” done"), (done_id, "Mark “Order coffee” open")):
        # A real form POST (no JavaScript needed), its button named for what pressing it does.
        form = re.search(rf'<form method="post" action="/todos/{todo_id}/toggle"[^>]*>(.*?)</form>', page, re.S)
        assert form, todo_id
        assert f'<button type="submit" class="check" aria-label="{name}">' in form.group(1)

    token = csrf_token(browser, "/todos/")
    response = browser.post(f"/todos/{open_id}/toggle", data={"csrf_token": token, "next": "/todos/"})
    assert response.status_code == 303 and response.headers["Location"] == "/todos/"
    page = text(browser.get("/todos/"))
    assert "“Water the plants” is done." in page and 'aria-label="Mark “Water the plants” done"' not in page
    assert "0 open · 2 done" in page and "Nothing open: everything is done." in page


def test_a_row_the_viewer_cannot_change_shows_its_state_without_a_button(acme, browser_as, write_todo):
    theirs = write_todo(acme, AUTHOR, "org", title="Their task", done=True)
    page = text(browser_as(acme, MEMBER, active_org=ORG).get("/todos/?status=done"))
    row = re.search(r'<li class="todo-row done">(.*?)</li>', page, re.S).group(1)
    assert f"/todos/{theirs}/toggle" not in row and "<button" not in row
    assert '<span class="visually-hidden">Done:</span>' in row


def test_rows_are_calm_and_delete_asks_first(acme, browser_as, write_todo):
    todo_id = write_todo(acme, MEMBER, "org", title="Tidy desk")
    browser = browser_as(acme, MEMBER, active_org=ORG)
    page = text(browser.get("/todos/"))
    row = re.search(r'<li class="todo-row">(.*?)</li>', page, re.S).group(1)
    # Edit and Delete are quiet links; the one solid red button is on the confirmation page.
    assert "danger" not in row.replace("quiet-danger", "") and 'class="button' not in row
    assert f'href="/todos/{todo_id}/delete"' in row and f'href="/todos/{todo_id}/edit"' in row
    confirm = text(browser.get(f"/todos/{todo_id}/delete"))
    assert "Delete “Tidy desk”?" in confirm and 'class="button danger"' in confirm


def test_the_everyones_and_mine_filter_is_only_offered_in_orgs(acme, browser_as, write_todo):
    write_todo(acme, MEMBER, "private", org=MEMBER.personal_org, title="Buy milk")
    browser = browser_as(acme, MEMBER)
    personal = text(browser.get("/todos/"))
    assert "Your personal space" in personal and "Buy milk" in personal
    assert 'aria-label="Whose todos"' not in personal and "Everyone’s" not in personal and ">Mine<" not in personal
    # An old "mine" link changes nothing there: every todo in a personal space is the viewer's.
    mine = text(browser.get("/todos/?owner=mine"))
    assert "Buy milk" in mine and "(yours)" not in mine

    org = text(browser_as(acme, MEMBER, active_org=ORG).get("/todos/"))
    assert 'aria-label="Whose todos"' in org and "Everyone’s" in org and ">Mine<" in org


@pytest.mark.parametrize(
    "query",
    ["?status=closed", "?status=", "?status=OPEN", "?owner=everyone", "?status=open&owner=" + "x" * 3000],
)
def test_an_unknown_tab_or_filter_gets_an_error_page(acme, browser_as, query):
    response = browser_as(acme, MEMBER, active_org=ORG).get("/todos/" + query)
    assert response.status_code == 400
    assert "Unknown filter or page" in response.get_data(as_text=True)
