"""Todo pages: list, create, edit, toggle, delete, the org switcher, and bad input of every kind."""

import re

import pytest

from tenants.extensions import db
from tenants.todos.models import Todo
from tests.conftest import csrf_token, submit
from tests.tenants.people import ADMIN, AUTHOR, MEMBER, ORG, OUTSIDER
from tests.tenants.sql import recorded_sql


def titles(app) -> list[str]:
    with app.app_context():
        titles = list(db.session.scalars(db.select(Todo.title).order_by(Todo.created_at)))
        db.session.remove()
        return titles


def text(response) -> str:
    return response.get_data(as_text=True)


def test_signed_out_visitors_are_sent_to_sign_in(acme):
    browser = acme.test_client()
    with browser.session_transaction() as session:
        session["sso_checked"] = True  # past the silent SSO check of a first visit
    response = browser.get("/todos/")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/auth/sign-in?next=/todos/")


def test_the_personal_space_is_active_until_another_org_is_chosen(acme, browser_as, write_todo):
    write_todo(acme, MEMBER, "private", org=MEMBER.personal_org, title="Buy milk")
    write_todo(acme, AUTHOR, "org", title="Quarterly report")
    browser = browser_as(acme, MEMBER)
    page = text(browser.get("/todos/"))
    assert "Your personal space" in page and "Buy milk" in page and "Quarterly report" not in page

    response = submit(browser, "/active-org", {"org_id": ORG}, form_url="/todos/")
    assert response.status_code == 303 and response.headers["Location"] == "/todos/"
    page = text(browser.get("/todos/"))
    assert "Initech" in page and "Quarterly report" in page and "Buy milk" not in page
    assert '<option selected value="42">Initech</option>' in page


def test_an_org_not_in_the_claim_cannot_be_chosen(acme, browser_as):
    browser = browser_as(acme, OUTSIDER)
    for bad in (ORG, "", "x" * 5000):  # a NUL byte is refused earlier, by common.input_guard
        response = submit(browser, "/active-org", {"org_id": bad}, form_url="/todos/")
        assert response.status_code == 303
        page = text(browser.get("/todos/"))
        assert "That organization is not one of yours." in page
        assert "Your personal space" in page


def test_a_removed_membership_stops_working_at_the_next_request(acme, browser_as, write_todo):
    write_todo(acme, AUTHOR, "org", title="Shared plan")
    browser = browser_as(acme, MEMBER, active_org=ORG)
    assert "Shared plan" in text(browser.get("/todos/"))
    with browser.session_transaction() as session:
        # What the next refreshed claims say after Accounts removed the membership.
        session["claims"] = {**session["claims"], "orgs": [MEMBER.orgs[0]]}
    page = text(browser.get("/todos/"))
    assert "Shared plan" not in page and "Your personal space" in page
    assert 'value="42"' not in page


def test_create_then_list(acme, browser_as):
    browser = browser_as(acme, MEMBER, active_org=ORG)
    response = submit(
        browser,
        "/todos/new",
        {"title": "  Write the memo ", "notes": "two\nlines", "due_date": "2026-05-01", "visibility": "org"},
    )
    assert response.status_code == 303 and response.headers["Location"] == "/todos/"
    page = text(browser.get("/todos/"))
    assert "Added “Write the memo”." in page and "2026-05-01" in page and "Organization" in page
    with acme.app_context():
        todo = db.session.scalar(db.select(Todo))
        assert (todo.site, todo.org_id, todo.author_sub, todo.author_name) == ("acme", ORG, MEMBER.sub, MEMBER.name)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"title": ""}, "Enter a title."),
        ({"title": "   "}, "Enter a title."),
        ({"title": "x" * 201}, "Use at most 200 characters."),
        ({"title": "Memo", "due_date": "2026-13-01"}, "Enter a real date as YYYY-MM-DD."),
        ({"title": "Memo", "due_date": "next week"}, "Enter a real date as YYYY-MM-DD."),
        ({"title": "Memo", "visibility": "public"}, "Choose private (only you) or org (every member)."),
        ({"title": "tab\tin title"}, "The title cannot contain control characters or line breaks."),
        ({"title": "Memo", "notes": "x" * 10_001}, "Use at most 10,000 characters."),
    ],
)
def test_bad_input_is_shown_next_to_the_field_with_what_was_typed(acme, browser_as, data, message):
    browser = browser_as(acme, MEMBER, active_org=ORG)
    response = submit(browser, "/todos/new", {"notes": "keep me", **data})
    assert response.status_code == 303 and response.headers["Location"] == "/todos/new"
    page = text(browser.get("/todos/new"))
    assert message in page
    assert {"notes": "keep me", **data}["notes"] in page  # what the user typed comes back
    if data.get("due_date"):
        assert f'value="{data["due_date"]}"' in page
    assert titles(acme) == []


def test_every_problem_is_shown_at_once(acme, browser_as):
    browser = browser_as(acme, MEMBER, active_org=ORG)
    submit(browser, "/todos/new", {"title": "", "due_date": "soon", "visibility": "public"})
    page = text(browser.get("/todos/new"))
    for message in ("Enter a title.", "Enter a real date as YYYY-MM-DD.", "Choose private (only you) or org"):
        assert message in page
    assert titles(acme) == []


def test_edit_own_todo(acme, browser_as, write_todo):
    todo_id = write_todo(acme, MEMBER, "private", title="Draft")
    browser = browser_as(acme, MEMBER, active_org=ORG)
    form = text(browser.get(f"/todos/{todo_id}/edit"))
    assert 'value="Draft"' in form and 'name="visibility"' in form
    response = submit(
        browser, f"/todos/{todo_id}/edit", {"title": "Final", "visibility": "org", "due_date": "", "done": "y"}
    )
    assert response.status_code == 303 and response.headers["Location"] == f"/todos/{todo_id}"
    page = text(browser.get(f"/todos/{todo_id}"))
    assert "Final" in page and "Every member of the organization" in page and "done" in page


def test_an_admin_edits_a_shared_todo_but_not_who_sees_it(acme, browser_as, write_todo):
    todo_id = write_todo(acme, AUTHOR, "org", title="Shared")
    browser = browser_as(acme, ADMIN, active_org=ORG)
    form = text(browser.get(f"/todos/{todo_id}/edit"))
    assert 'name="visibility"' not in form and "Only its author can change who sees this todo." in form
    response = submit(browser, f"/todos/{todo_id}/edit", {"title": "Shared, edited", "visibility": "private"})
    assert response.status_code == 303
    with acme.app_context():
        todo = db.session.get(Todo, todo_id)
        assert (todo.title, todo.visibility) == ("Shared, edited", "org")


def test_edit_errors_keep_the_typed_title(acme, browser_as, write_todo):
    todo_id = write_todo(acme, MEMBER, "org", title="Original")
    browser = browser_as(acme, MEMBER, active_org=ORG)
    response = submit(browser, f"/todos/{todo_id}/edit", {"title": "New title", "due_date": "31/12/2026"})
    assert response.headers["Location"] == f"/todos/{todo_id}/edit"
    page = text(browser.get(f"/todos/{todo_id}/edit"))
    assert 'value="New title"' in page and 'value="31/12/2026"' in page and "YYYY-MM-DD" in page
    assert titles(acme) == ["Original"]


def test_toggle_returns_to_the_page_it_was_pressed_on(acme, browser_as, write_todo):
    todo_id = write_todo(acme, MEMBER, "org", title="Toggle me")
    browser = browser_as(acme, MEMBER, active_org=ORG)
    token = csrf_token(browser, "/todos/?status=open")
    response = browser.post(f"/todos/{todo_id}/toggle", data={"csrf_token": token, "next": "/todos/?status=open"})
    assert response.status_code == 303 and response.headers["Location"] == "/todos/?status=open"
    assert f'href="/todos/{todo_id}"' not in text(browser.get("/todos/?status=open"))
    assert f'href="/todos/{todo_id}"' in text(browser.get("/todos/?status=done"))
    response = browser.post(f"/todos/{todo_id}/toggle", data={"csrf_token": token, "next": "https://evil.example/"})
    assert response.headers["Location"] == "/todos/"


def test_delete_asks_first(acme, browser_as, write_todo):
    todo_id = write_todo(acme, MEMBER, "org", title="Old")
    browser = browser_as(acme, MEMBER, active_org=ORG)
    page = text(browser.get(f"/todos/{todo_id}/delete"))
    assert "Delete “Old”?" in page and "every member of the organization loses it too" in page
    assert titles(acme) == ["Old"]
    response = submit(browser, f"/todos/{todo_id}/delete", {})
    assert response.status_code == 303 and response.headers["Location"] == "/todos/"
    assert titles(acme) == []
    assert "Deleted “Old”." in text(browser.get("/todos/"))


def test_a_post_without_its_csrf_token_is_refused(acme, browser_as, write_todo):
    todo_id = write_todo(acme, MEMBER, "org", title="Keep")
    browser = browser_as(acme, MEMBER, active_org=ORG)
    for url in (f"/todos/{todo_id}/delete", f"/todos/{todo_id}/toggle", "/todos/new", "/active-org"):
        response = browser.post(url, data={"title": "x", "org_id": ORG})
        assert response.status_code == 400 and "Form expired" in text(response)
    assert titles(acme) == ["Keep"]


def test_only_allowed_buttons_are_shown(acme, browser_as, write_todo):
    shared = write_todo(acme, AUTHOR, "org", title="Theirs")
    own = write_todo(acme, MEMBER, "org", title="Mine")
    page = text(browser_as(acme, MEMBER, active_org=ORG).get("/todos/"))
    assert f"/todos/{own}/edit" in page and f"/todos/{own}/delete" in page
    assert f"/todos/{shared}/edit" not in page and f"/todos/{shared}/delete" not in page
    assert f"/todos/{shared}/toggle" not in page
    admin_page = text(browser_as(acme, ADMIN, active_org=ORG).get("/todos/"))
    assert f"/todos/{shared}/edit" in admin_page


@pytest.mark.parametrize(
    ("query", "status"),
    [
        ("?status=closed", 400),
        ("?owner=everyone", 400),
        ("?after=garbage", 400),
        ("?after=" + "A" * 3000, 400),
        ("?status=open&owner=mine", 200),
    ],
)
def test_bad_filters_and_page_links_get_an_error_page(acme, browser_as, query, status):
    response = browser_as(acme, MEMBER, active_org=ORG).get("/todos/" + query)
    assert response.status_code == status
    if status == 400:
        assert "Unknown filter or page" in text(response)


@pytest.mark.parametrize("todo_id", ["nope", "a" * 22, "a" * 500, "..%2f..%2fetc"])  # NUL: 400, common.input_guard
def test_urls_naming_no_visible_todo_are_404(acme, browser_as, todo_id):
    browser = browser_as(acme, MEMBER, active_org=ORG)
    for path in (f"/todos/{todo_id}", f"/todos/{todo_id}/edit", f"/todos/{todo_id}/delete"):
        assert browser.get(path).status_code == 404


def test_next_page_link(acme, browser_as, write_todo):
    for n in range(25):
        write_todo(acme, MEMBER, "org", title=f"Item {n:02d}")
    browser = browser_as(acme, MEMBER, active_org=ORG)
    first = text(browser.get("/todos/"))
    assert "Item 24" in first and "Item 05" in first and "Item 04" not in first
    next_url = re.search(r'rel="next" href="([^"]+)"', first).group(1).replace("&amp;", "&")
    second = text(browser.get(next_url))
    assert "Item 04" in second and "Item 00" in second and "Item 05" not in second
    assert 'rel="next"' not in second


def test_a_todo_page_costs_a_bounded_number_of_queries(acme, browser_as, write_todo):
    browser = browser_as(acme, MEMBER, active_org=ORG)

    def queries_for_the_list() -> list[str]:
        with acme.app_context(), recorded_sql() as statements:
            assert browser.get("/todos/").status_code == 200
        return statements

    write_todo(acme, MEMBER, "org", title="Only one")
    one_row = queries_for_the_list()
    for n in range(40):
        write_todo(acme, AUTHOR if n % 2 else MEMBER, "org" if n % 3 else "private", title=f"Item {n}")
    full_page = queries_for_the_list()
    # Session load, token check, one page of todos carrying the open/done count (+ at most a session write).
    assert len(full_page) == len(one_row) <= 4, full_page
    assert len([s for s in full_page if "FROM todos" in s]) == 1
