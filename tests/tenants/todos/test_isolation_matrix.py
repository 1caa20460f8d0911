"""The isolation matrix (SPEC §3.2): role × visibility × action × tenant × surface, each cell's exact answer.

A todo is written on one tenant; a user with some role looks at it on the same tenant or on the
other one, through the pages or the API, and tries to list, read, update and delete it.
"""

import pytest

from tenants.extensions import db
from tenants.todos.models import Todo
from tests.conftest import submit
from tests.tenants.people import AUTHOR, ORG, PEOPLE

TITLE = "Matrix todo"
ROLES = ["owner", "admin", "member", "non-member"]
CASES = ["private own", "private other's", "org own", "org other's"]
ACTIONS = ["list", "read", "update", "delete"]
TENANTS = [("acme", "acme"), ("acme", "globex"), ("globex", "globex"), ("globex", "acme")]

# (list, read, update, delete) on the tenant where the todo was written.
# list: "listed" / "absent" (the org's list, without it) / "no org" (the user is not in the org at all).
# read, update, delete: a status code, or "changed" / "deleted" (the action went through).
SAME_TENANT = {
    ("owner", "private own"): ("listed", 200, "changed", "deleted"),
    ("owner", "private other's"): ("absent", 404, 404, 404),  # not even owners see private todos
    ("owner", "org own"): ("listed", 200, "changed", "deleted"),
    ("owner", "org other's"): ("listed", 200, "changed", "deleted"),
    ("admin", "private own"): ("listed", 200, "changed", "deleted"),
    ("admin", "private other's"): ("absent", 404, 404, 404),
    ("admin", "org own"): ("listed", 200, "changed", "deleted"),
    ("admin", "org other's"): ("listed", 200, "changed", "deleted"),
    ("member", "private own"): ("listed", 200, "changed", "deleted"),
    ("member", "private other's"): ("absent", 404, 404, 404),
    ("member", "org own"): ("listed", 200, "changed", "deleted"),
    ("member", "org other's"): ("listed", 200, 403, 403),  # visible, but not theirs to change
    # "own" for a non-member: written while they were a member; removal takes it out of reach too.
    ("non-member", "private own"): ("no org", 404, 404, 404),
    ("non-member", "private other's"): ("no org", 404, 404, 404),
    ("non-member", "org own"): ("no org", 404, 404, 404),
    ("non-member", "org other's"): ("no org", 404, 404, 404),
}
# On the other tenant nothing of it exists, whatever the role.
OTHER_TENANT = {
    (role, case): ("no org" if role == "non-member" else "absent", 404, 404, 404) for role in ROLES for case in CASES
}
SUCCESS = {"page": {"changed": 303, "deleted": 303}, "api": {"changed": 200, "deleted": 204}}


@pytest.fixture(scope="module")
def sites(tenant_apps):
    """Acme and Globex, built once for the whole matrix (512 cells); tables are emptied before each cell."""
    return tenant_apps


@pytest.fixture(autouse=True)
def empty_tables(sites):
    """Each cell starts from empty tables (both sites share the tenant database)."""
    with sites["acme"].app_context(), db.engine.begin() as conn:
        for table in reversed(db.metadata.sorted_tables):
            conn.execute(table.delete())
    yield
    with sites["acme"].app_context():
        db.session.remove()


def on_page(app, browser_as, person, action: str, todo_id: str, visibility: str):
    """What the pages answer: True/False for list (shown or not), else the status code."""
    browser = browser_as(app, person, active_org=ORG if person.role else None)
    if action == "list":
        page = browser.get("/todos/")
        assert page.status_code == 200
        return f"/todos/{todo_id}" in page.get_data(as_text=True)
    if action == "read":
        return browser.get(f"/todos/{todo_id}").status_code
    if action == "update":
        data = {"title": "Changed", "visibility": visibility}
        return submit(browser, f"/todos/{todo_id}/edit", data, form_url="/todos/").status_code
    return submit(browser, f"/todos/{todo_id}/delete", {}, form_url="/todos/").status_code


def through_api(app, api, access_token, person, action: str, todo_id: str, visibility: str):
    """What the API answers: (status, listed) for list, else the status code."""
    token = access_token(app, person)
    base = f"/api/v1/orgs/{ORG}/todos"
    if action == "list":
        response = api(app, "GET", base, token)
        listed = response.status_code == 200 and todo_id in {t["id"] for t in response.get_json()["items"]}
        return response.status_code, listed
    if action == "read":
        return api(app, "GET", f"{base}/{todo_id}", token).status_code
    if action == "update":
        return api(app, "PATCH", f"{base}/{todo_id}", token, json={"title": "Changed"}).status_code
    return api(app, "DELETE", f"{base}/{todo_id}", token).status_code


def expected_answer(surface: str, action: str, cell):
    if action == "list":
        if surface == "page":
            return cell == "listed"
        return {"listed": (200, True), "absent": (200, False), "no org": (404, False)}[cell]
    return SUCCESS[surface].get(cell, cell)


def stored(app, todo_id: str) -> Todo | None:
    with app.app_context():
        todo = db.session.get(Todo, todo_id)
        db.session.expunge_all()
        return todo


@pytest.mark.parametrize("surface", ["page", "api"])
@pytest.mark.parametrize(("written_on", "asked_on"), TENANTS, ids=[f"{w}->{a}" for w, a in TENANTS])
@pytest.mark.parametrize("action", ACTIONS)
@pytest.mark.parametrize("case", CASES)
@pytest.mark.parametrize("role", ROLES)
def test_isolation_matrix(
    sites,
    fake_provider,
    browser_as,
    api,
    access_token,
    write_todo,
    role,
    case,
    action,
    written_on,
    asked_on,
    surface,
):
    apps = {slug: fake_provider(app) for slug, app in sites.items()}
    person = PEOPLE[role]
    visibility = case.split()[0]
    todo_id = write_todo(apps[written_on], person if case.endswith("own") else AUTHOR, visibility, title=TITLE)
    cell = (SAME_TENANT if written_on == asked_on else OTHER_TENANT)[(role, case)][ACTIONS.index(action)]

    if surface == "page":
        answer = on_page(apps[asked_on], browser_as, person, action, todo_id, visibility)
    else:
        answer = through_api(apps[asked_on], api, access_token, person, action, todo_id, visibility)

    assert answer == expected_answer(surface, action, cell)
    after = stored(apps[written_on], todo_id)
    if cell == "deleted":
        assert after is None
    else:
        assert after is not None and after.title == ("Changed" if cell == "changed" else TITLE)
        assert after.visibility == visibility  # nobody's action changed who sees it
