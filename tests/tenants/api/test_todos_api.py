"""The todo API: list, get, create, update, delete, and each status it answers (SPEC §3.3)."""

import json

import pytest

from tests.tenants.api.schemas import assert_matches
from tests.tenants.people import ADMIN, AUTHOR, MEMBER, ORG, OTHER_ORG, OUTSIDER, OWNER

BASE = f"/api/v1/orgs/{ORG}/todos"


@pytest.fixture
def document(acme):
    return acme.test_client().get("/api/v1/openapi.json").get_json()


@pytest.fixture
def as_(acme, api, access_token):
    """as_(person).get(path) / .post(path, json=...) …: calls with that person's access token."""

    class Caller:
        def __init__(self, person, scope="todos:read todos:write"):
            self.token = access_token(acme, person, scope=scope)

        def __getattr__(self, method):
            return lambda path, **kwargs: api(acme, method.upper(), path, self.token, **kwargs)

    return Caller


def test_list_orgs_comes_from_the_token(as_, document):
    response = as_(MEMBER).get("/api/v1/orgs")
    assert response.status_code == 200
    assert_matches(document, "OrgList", response.get_json())
    assert [(o["id"], o["role"], o["personal"]) for o in response.get_json()["items"]] == [
        (MEMBER.personal_org, "owner", True),
        (ORG, "member", False),
    ]


def test_create_get_update_delete(as_, document):
    me = as_(MEMBER)
    created = me.post(BASE, json={"title": "  Ship it ", "due_date": "2026-04-01", "notes": "soon"})
    assert created.status_code == 201
    todo = created.get_json()
    assert_matches(document, "Todo", todo)
    assert created.headers["Location"] == f"{BASE}/{todo['id']}"
    assert todo | {"id": None, "created_at": None, "updated_at": None} == {
        "id": None,
        "org_id": ORG,
        "title": "Ship it",
        "notes": "soon",
        "done": False,
        "due_date": "2026-04-01",
        "visibility": "private",  # private unless asked
        "author": {"sub": MEMBER.sub, "name": ""},
        "created_at": None,
        "updated_at": None,
        "can_change": True,
        "changed_by_actor": None,  # nobody impersonated the member
    }
    assert me.get(created.headers["Location"]).get_json() == todo

    updated = me.patch(created.headers["Location"], json={"done": True, "visibility": "org", "due_date": None})
    assert updated.status_code == 200
    assert_matches(document, "Todo", updated.get_json())
    assert {k: updated.get_json()[k] for k in ("done", "visibility", "due_date", "title")} == {
        "done": True,
        "visibility": "org",
        "due_date": None,
        "title": "Ship it",
    }

    listed = me.get(BASE)
    assert_matches(document, "TodoPage", listed.get_json())
    assert [t["id"] for t in listed.get_json()["items"]] == [todo["id"]]

    deleted = me.delete(created.headers["Location"])
    assert deleted.status_code == 204 and deleted.data == b""
    assert me.get(created.headers["Location"]).status_code == 404
    assert me.delete(created.headers["Location"]).status_code == 404


def test_the_author_name_comes_from_the_token(acme, api, access_token):
    token = access_token(acme, MEMBER, name="Mia M.")
    assert api(acme, "POST", BASE, token, json={"title": "x"}).get_json()["author"] == {
        "sub": MEMBER.sub,
        "name": "Mia M.",
    }


def test_list_filters_and_pages(as_, document):
    me = as_(MEMBER)
    ids = [
        me.post(BASE, json={"title": f"t{n}", "done": n % 2 == 0, "visibility": "org"}).get_json()["id"]
        for n in range(5)
    ]
    as_(AUTHOR).post(BASE, json={"title": "theirs", "visibility": "org"})
    first = me.get(f"{BASE}?limit=2&owner=mine").get_json()
    assert [t["id"] for t in first["items"]] == ids[::-1][:2] and first["next_cursor"]
    second = me.get(f"{BASE}?limit=2&owner=mine&cursor={first['next_cursor']}").get_json()
    assert [t["id"] for t in second["items"]] == ids[::-1][2:4]
    assert {t["title"] for t in me.get(f"{BASE}?status=done&owner=mine").get_json()["items"]} == {"t0", "t2", "t4"}
    assert len(me.get(BASE).get_json()["items"]) == 6


def test_role_decides_who_changes_a_shared_todo(as_):
    location = as_(AUTHOR).post(BASE, json={"title": "Shared", "visibility": "org"}).headers["Location"]
    refused = as_(MEMBER).patch(location, json={"title": "Mine now"})
    assert refused.status_code == 403
    assert 'error="insufficient_scope"' in refused.headers["WWW-Authenticate"]
    assert as_(MEMBER).delete(location).status_code == 403
    assert as_(MEMBER).get(location).get_json()["can_change"] is False
    assert as_(ADMIN).patch(location, json={"title": "Edited by admin"}).status_code == 200
    # Only the author decides who sees it.
    assert as_(ADMIN).patch(location, json={"visibility": "private"}).status_code == 403
    assert as_(OWNER).delete(location).status_code == 204


def test_other_orgs_and_other_users_private_todos_are_404(as_):
    location = as_(AUTHOR).post(BASE, json={"title": "Secret"}).headers["Location"]
    todo_id = location.rsplit("/", 1)[1]
    for caller in (as_(OWNER), as_(ADMIN), as_(MEMBER)):
        assert caller.get(location).status_code == 404
        assert caller.patch(location, json={"title": "x"}).status_code == 404
        assert caller.delete(location).status_code == 404
    outsider = as_(OUTSIDER)
    assert outsider.get(BASE).status_code == 404
    assert outsider.post(BASE, json={"title": "x"}).status_code == 404
    # The id is real, but not in the org of the path: 404 as for an id that never existed.
    assert outsider.get(f"/api/v1/orgs/{OTHER_ORG}/todos/{todo_id}").status_code == 404
    assert as_(AUTHOR).get(f"/api/v1/orgs/{AUTHOR.personal_org}/todos/{todo_id}").status_code == 404
    assert as_(AUTHOR).get(location).status_code == 200


def test_the_404_answers_look_the_same(as_):
    secret = as_(AUTHOR).post(BASE, json={"title": "Secret"}).headers["Location"]
    never = f"{BASE}/{'A' * 22}"
    other_org = f"/api/v1/orgs/{OTHER_ORG}/todos/{'A' * 22}"
    answers = {json.dumps(as_(MEMBER).get(path).get_json()) for path in (secret, never)}
    assert len(answers) == 1
    assert as_(MEMBER).get(other_org).get_json()["error"] == "not_found"


@pytest.mark.parametrize(
    ("body", "fields"),
    [
        ({}, {"title"}),
        ({"title": ""}, {"title"}),
        ({"title": "x" * 201}, {"title"}),
        ({"title": "t", "due_date": "2026-02-30"}, {"due_date"}),
        ({"title": "t", "visibility": "everyone"}, {"visibility"}),
        ({"title": "t", "done": "true"}, {"done"}),
        ({"title": None, "notes": 5}, {"title", "notes"}),
        ({"title": "t", "author_sub": OWNER.sub, "id": "x"}, {"author_sub", "id"}),
        ([{"title": "t"}], {"body"}),
        ("title", {"body"}),
        (17, {"body"}),
    ],
)
def test_bad_input_is_422_with_field_errors(as_, document, body, fields):
    response = as_(MEMBER).post(BASE, json=body)
    assert response.status_code == 422
    assert_matches(document, "InvalidInput", response.get_json())
    assert set(response.get_json()["fields"]) == fields
    assert as_(MEMBER).get(BASE).get_json()["items"] == []


def test_bad_updates_are_422_and_change_nothing(as_):
    location = as_(MEMBER).post(BASE, json={"title": "Keep"}).headers["Location"]
    response = as_(MEMBER).patch(location, json={"title": "", "done": "maybe"})
    assert response.status_code == 422 and set(response.get_json()["fields"]) == {"title", "done"}
    assert as_(MEMBER).get(location).get_json()["title"] == "Keep"


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("status=closed", "status"),
        ("owner=them", "owner"),
        ("limit=0", "limit"),
        ("limit=abc", "limit"),
        ("limit=1000", "limit"),
        ("cursor=zzz", "cursor"),
        ("color=red", "color"),
    ],
)
def test_bad_list_parameters_are_422(as_, query, field):
    response = as_(MEMBER).get(f"{BASE}?{query}")
    assert response.status_code == 422 and field in response.get_json()["fields"]


@pytest.mark.parametrize(
    ("kwargs", "status", "error"),
    [
        ({"data": "title=x", "content_type": "application/x-www-form-urlencoded"}, 415, "unsupported_media_type"),
        ({"data": "title: x", "content_type": "text/plain"}, 415, "unsupported_media_type"),
        ({"data": "{not json", "content_type": "application/json"}, 400, "invalid_json"),
        ({"data": b"\xff\xfe", "content_type": "application/json"}, 400, "invalid_json"),
        ({"data": "[" * 100_000, "content_type": "application/json"}, 400, "invalid_json"),
    ],
)
def test_bodies_that_are_not_json_objects(as_, kwargs, status, error):
    response = as_(MEMBER).post(BASE, **kwargs)
    assert response.status_code == status and response.get_json()["error"] == error


def test_an_oversized_body_is_413(as_):
    response = as_(MEMBER).post(BASE, json={"title": "t", "notes": "x" * 300_000})
    assert response.status_code == 413 and response.is_json


def test_a_non_member_learns_nothing_from_a_bad_body(as_):
    # Membership is checked before the body: another org answers 404 whatever is sent.
    assert as_(OUTSIDER).post(BASE, data="x", content_type="text/plain").status_code == 404


def test_unknown_routes_and_methods_answer_json(as_):
    assert as_(MEMBER).get("/api/v1/nothing").status_code == 404
    response = as_(MEMBER).put(BASE, json={})
    assert response.status_code == 405 and response.is_json


def test_the_api_needs_no_csrf_token_but_a_bearer_token(acme, as_):
    # CSRF-exempt on purpose: without a bearer token nothing happens, and browsers never add one by themselves.
    assert as_(MEMBER).post(BASE, json={"title": "no csrf token needed"}).status_code == 201
    assert acme.test_client().post(BASE, json={"title": "x"}).status_code == 401
