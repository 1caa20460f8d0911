"""The new-todo and edit forms: shared by default in an org, private with no choice in a personal space, the date."""

import re

import pytest

from tenants.extensions import db
from tenants.todos.models import Todo
from tests.conftest import submit
from tests.tenants.people import MEMBER, ORG


def text(response) -> str:
    assert response.status_code == 200, response.status_code
    return response.get_data(as_text=True)


def visibility_of(app, title: str) -> str:
    with app.app_context():
        visibility = db.session.scalar(db.select(Todo.visibility).where(Todo.title == title))
        db.session.remove()
        return visibility


def selected_visibility(page: str) -> str:
    select = re.search(r'<select[^>]*name="visibility"[^>]*>(.*?)</select>', page, re.S).group(1)
    return re.search(r'<option selected value="([^"]+)"', select).group(1)


def test_a_new_todo_in_an_org_is_shared_unless_made_private(acme, browser_as):
    browser = browser_as(acme, MEMBER, active_org=ORG)
    form = text(browser.get("/todos/new"))
    assert selected_visibility(form) == "org"
    # What a browser sends when the user leaves the choice as offered, or picks private.
    submit(browser, "/todos/new", {"title": "Team plan", "visibility": selected_visibility(form)})
    submit(browser, "/todos/new", {"title": "Just mine", "visibility": "private"})
    assert (visibility_of(acme, "Team plan"), visibility_of(acme, "Just mine")) == ("org", "private")


def test_a_form_sent_back_with_errors_keeps_the_visibility_chosen(acme, browser_as):
    browser = browser_as(acme, MEMBER, active_org=ORG)
    submit(browser, "/todos/new", {"title": "", "visibility": "private"})
    assert selected_visibility(text(browser.get("/todos/new"))) == "private"


def test_a_new_todo_in_the_personal_space_is_private_with_no_choice(acme, browser_as):
    browser = browser_as(acme, MEMBER)
    form = text(browser.get("/todos/new"))
    assert 'name="visibility"' not in form and "only you see them" in form
    # A hand-made POST asking to share changes nothing: there is nobody to share with.
    response = submit(browser, "/todos/new", {"title": "Buy milk", "visibility": "org"})
    assert response.status_code == 303
    assert visibility_of(acme, "Buy milk") == "private"


def test_editing_a_personal_todo_offers_no_visibility(acme, browser_as, write_todo):
    todo_id = write_todo(acme, MEMBER, "private", org=MEMBER.personal_org, title="Dentist")
    browser = browser_as(acme, MEMBER)
    form = text(browser.get(f"/todos/{todo_id}/edit"))
    assert 'name="visibility"' not in form and "Only its author can change" not in form
    assert submit(browser, f"/todos/{todo_id}/edit", {"title": "Dentist", "visibility": "org"}).status_code == 303
    assert visibility_of(acme, "Dentist") == "private"


@pytest.mark.parametrize("active_org", [ORG, None])
def test_the_due_date_hint_matches_the_browsers_date_picker(acme, browser_as, active_org):
    form = text(browser_as(acme, MEMBER, active_org=active_org).get("/todos/new"))
    field = re.search(r'<input[^>]*name="due_date"[^>]*>', form).group(0)
    assert 'type="date"' in field and 'aria-describedby="due_date-hint"' in field
    hint = re.search(r'<p class="hint" id="due_date-hint">([^<]+)</p>', form).group(1)
    # The picker shows and takes the date in the browser's own format (it sends YYYY-MM-DD, unseen).
    assert "YYYY-MM-DD" not in form and "calendar" in hint and "browser’s date format" in hint
