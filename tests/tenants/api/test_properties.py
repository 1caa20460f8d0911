"""Property-based tests (hypothesis): random input never gets a 500, and no todo leaks to anyone who may not see it."""

import json
from urllib.parse import quote

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tenants.extensions import db
from tenants.todos.models import Todo
from tests.conftest import submit
from tests.tenants.people import ADMIN, AUTHOR, MEMBER, ORG, OUTSIDER, OWNER

PEOPLE = [OWNER, ADMIN, MEMBER, AUTHOR, OUTSIDER]
BASE = f"/api/v1/orgs/{ORG}/todos"
# Every character class, lone surrogates and control characters included.
ANY_CHAR = st.characters(categories=["L", "M", "N", "P", "S", "Z", "Cc", "Cf", "Cs", "Co"])
NASTY_TEXT = st.one_of(
    st.text(max_size=30),
    st.text(ANY_CHAR, max_size=30),
    st.sampled_from(["", " ", "\x00", "x" * 201, "2026-02-30", "private", "org", "null", "../", "%00", "' OR 1=1 --"]),
)
JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | NASTY_TEXT,
    lambda children: st.lists(children, max_size=3) | st.dictionaries(NASTY_TEXT, children, max_size=3),
    max_leaves=8,
)
FIELD_VALUES = {
    "title": NASTY_TEXT | st.integers() | st.none(),
    "notes": NASTY_TEXT | st.booleans(),
    "done": st.booleans() | NASTY_TEXT,
    "due_date": st.none() | st.dates().map(str) | NASTY_TEXT,
    "visibility": st.sampled_from(["private", "org"]) | NASTY_TEXT,
}
TODO_BODIES = st.fixed_dictionaries({}, optional=FIELD_VALUES) | st.dictionaries(NASTY_TEXT, JSON_VALUES, max_size=3)
# Bodies that should be accepted, so that the random worlds hold todos of both visibilities.
VALID_BODIES = st.fixed_dictionaries(
    {"title": st.text(st.characters(categories=["L", "N"]), min_size=1, max_size=20)},
    optional={"visibility": st.sampled_from(["private", "org"]), "done": st.booleans()},
)
BODIES = TODO_BODIES | JSON_VALUES
ALLOWED = {200, 201, 204, 400, 403, 404, 413, 415, 422}
FUZZ = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


@pytest.fixture(scope="module")
def sites(tenant_apps):
    """Acme and Globex built once: hypothesis runs many examples per test, each from empty tables."""
    return tenant_apps


@pytest.fixture
def world(sites, fake_provider, access_token):
    """An empty Acme and Globex, and each person's access token for each."""

    def reset():
        with sites["acme"].app_context(), db.engine.begin() as conn:
            for table in reversed(db.metadata.sorted_tables):
                conn.execute(table.delete())

    for app in sites.values():
        fake_provider(app)
    tokens = Tokens({(slug, p.key): access_token(app, p) for slug, app in sites.items() for p in PEOPLE})
    return sites, tokens, reset


class Tokens(dict):
    """Access tokens by (site, person); shown briefly in hypothesis reports."""

    def __repr__(self) -> str:
        return f"<{len(self)} access tokens>"


def call(app, method, path, token, body=None, raw=None):
    headers = {"Authorization": f"Bearer {token}"}
    if body is not None or raw is not None:
        data = raw if raw is not None else json.dumps(body)
        return app.test_client().open(path, method=method, headers=headers, data=data, content_type="application/json")
    return app.test_client().open(path, method=method, headers=headers)


def visible_to(person, todo: Todo, site: str) -> bool:
    """The oracle, written apart from the scoping module: what the rules of SPEC §3.2 say."""
    return (
        todo.site == site
        and person.role is not None
        and todo.org_id == ORG
        and (todo.visibility == "org" or todo.author_sub == person.sub)
    )


def assert_nothing_leaks(sites, tokens):
    """Every person's list and every GET agree with the oracle, on both sites."""
    with sites["acme"].app_context():
        todos = list(db.session.scalars(db.select(Todo)))
        db.session.expunge_all()
    for slug, app in sites.items():
        for person in PEOPLE:
            token = tokens[(slug, person.key)]
            listed = call(app, "GET", f"{BASE}?limit=100", token)
            if person.role is None:
                assert listed.status_code == 404
            else:
                assert listed.status_code == 200
                assert {t["id"] for t in listed.get_json()["items"]} == {
                    t.id for t in todos if visible_to(person, t, slug)
                }
            for todo in todos:
                status = call(app, "GET", f"{BASE}/{todo.id}", token).status_code
                assert status == (200 if visible_to(person, todo, slug) else 404)


OPERATIONS = st.lists(
    st.tuples(
        st.sampled_from(["acme", "globex"]),
        st.sampled_from(PEOPLE),
        st.sampled_from(["create", "update", "delete"]),
        st.integers(min_value=0, max_value=5),  # which existing todo an update or delete aims at
        VALID_BODIES | TODO_BODIES,
    ),
    min_size=1,
    max_size=8,
)


@FUZZ
@given(operations=OPERATIONS)
def test_random_operations_never_fail_and_never_leak(world, operations):
    sites, tokens, reset = world
    reset()
    ids: list[str] = []
    for slug, person, operation, target, body in operations:
        token = tokens[(slug, person.key)]
        if operation == "create":
            response = call(sites[slug], "POST", BASE, token, body)
            if response.status_code == 201:
                ids.append(response.get_json()["id"])
        else:
            todo_id = ids[target % len(ids)] if ids else "A" * 22
            method = "PATCH" if operation == "update" else "DELETE"
            response = call(sites[slug], method, f"{BASE}/{todo_id}", token, body if method == "PATCH" else None)
        assert response.status_code in ALLOWED, (operation, body, response.get_json())
        assert response.is_json or response.status_code == 204
    assert_nothing_leaks(sites, tokens)


@FUZZ
@given(org_id=NASTY_TEXT, todo_id=NASTY_TEXT, method=st.sampled_from(["GET", "PATCH", "DELETE"]), body=BODIES)
def test_random_paths_never_fail(world, org_id, todo_id, method, body):
    sites, tokens, reset = world
    org, todo = (quote(part, safe="", errors="surrogatepass") for part in (org_id, todo_id))
    path = f"/api/v1/orgs/{org}/todos/{todo}"
    response = call(sites["acme"], method, path, tokens[("acme", MEMBER.key)], body if method == "PATCH" else None)
    # 400: common.input_guard refuses NUL and control bytes in the URL before routing.
    assert response.status_code in {400, 404, 405, 308}, response.get_data(as_text=True)[:200]


@FUZZ
@given(params=st.dictionaries(st.sampled_from(["status", "owner", "limit", "cursor", "x"]), NASTY_TEXT, max_size=4))
def test_random_list_parameters_never_fail(world, params):
    sites, tokens, reset = world
    query = "&".join(f"{quote(k)}={quote(v, safe='', errors='surrogatepass')}" for k, v in params.items())
    response = call(sites["acme"], "GET", f"{BASE}?{query}", tokens[("acme", MEMBER.key)])
    assert response.status_code in {200, 400, 422}  # 400: NUL and control bytes, refused by common.input_guard


@FUZZ
@given(raw=st.binary(max_size=200) | NASTY_TEXT.map(lambda t: t.encode("utf-8", "surrogatepass")))
def test_random_bodies_never_fail(world, raw):
    sites, tokens, reset = world
    response = call(sites["acme"], "POST", BASE, tokens[("acme", MEMBER.key)], raw=raw)
    assert response.status_code in {201, 400, 422}


def _fits_in_a_header(value: str) -> bool:
    return all(" " <= c <= "\xff" and c != "\x7f" for c in value)


HEADERS = (NASTY_TEXT | NASTY_TEXT.map("Bearer ".__add__) | st.text(max_size=300).map("Bearer ".__add__)).filter(
    _fits_in_a_header
)


@FUZZ
@given(header=HEADERS)
def test_random_authorization_headers_are_401(world, header):
    sites, _, _ = world
    response = sites["acme"].test_client().get(BASE, headers={"Authorization": header})
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"].startswith('Bearer realm="acme"')


# What a browser can send: any text that UTF-8 can carry (lone surrogates cannot be encoded at all).
FORM_TEXT = NASTY_TEXT.filter(lambda t: not any("\ud800" <= c <= "\udfff" for c in t))


@FUZZ
@given(form=st.fixed_dictionaries({}, optional={k: FORM_TEXT for k in ("title", "notes", "due_date", "visibility")}))
def test_random_page_forms_never_fail(world, browser_as, form):
    sites, _, reset = world
    reset()
    browser = browser_as(sites["acme"], MEMBER, active_org=ORG)
    response = submit(browser, "/todos/new", form, form_url="/todos/new")
    if any("\x00" in value for value in form.values()):
        assert response.status_code == 400  # common.input_guard refuses NUL bytes before the view
        return
    assert response.status_code == 303
    assert browser.get(response.headers["Location"]).status_code == 200
