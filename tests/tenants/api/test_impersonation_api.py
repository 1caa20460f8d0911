"""SPEC §2.7 in the API: an access token with RFC 8693 `act` writes as the user, on record with the admin."""

import pytest
from sqlalchemy import select

from tenants.extensions import db
from tenants.todos.models import ActorWrite
from tests.tenants.api.schemas import assert_matches
from tests.tenants.people import MEMBER, ORG

BASE = f"/api/v1/orgs/{ORG}/todos"
ACT = {"sub": "7"}
DETAILS = {"reason": "Ticket #4411", "expires_at": 1_796_212_800}


@pytest.fixture
def document(acme):
    return acme.test_client().get("/api/v1/openapi.json").get_json()


@pytest.fixture
def call(acme, api, access_token):
    """call(method, path, act=None, **kwargs): one API call as Mia Member, impersonated by admin 7 if act is given."""

    def make(method, path, act=None, **kwargs):
        claims = {"act": act, "impersonation": DETAILS} if act is not None else {}
        return api(acme, method, path, access_token(acme, MEMBER, **claims), **kwargs)

    return make


def writes(app) -> list[tuple]:
    with app.app_context():
        rows = db.session.scalars(select(ActorWrite).order_by(ActorWrite.id))
        found = [(w.todo_id, w.action, w.subject_sub, w.actor_sub, w.actor_name) for w in rows]
        db.session.remove()
        return found


def test_writes_with_act_are_recorded_with_the_actor(acme, call, document):
    created = call("POST", BASE, act=ACT, json={"title": "Ship it", "visibility": "org"})
    assert created.status_code == 201
    todo = created.get_json()
    assert_matches(document, "Todo", todo)
    assert todo["author"]["sub"] == MEMBER.sub, "the todo is still the user's"
    assert todo["changed_by_actor"] | {"at": None} == {
        "actor": {"sub": "7", "name": None},  # access tokens name the actor by id only
        "on_behalf_of": {"sub": MEMBER.sub, "name": ""},
        "action": "create",
        "at": None,
    }

    changed = call("PATCH", f"{BASE}/{todo['id']}", act=ACT, json={"done": True})
    assert changed.status_code == 200 and changed.get_json()["changed_by_actor"]["action"] == "update"
    assert call("DELETE", f"{BASE}/{todo['id']}", act=ACT).status_code == 204
    assert writes(acme) == [
        (todo["id"], "create", MEMBER.sub, "7", ""),
        (todo["id"], "update", MEMBER.sub, "7", ""),
        (todo["id"], "delete", MEMBER.sub, "7", ""),
    ]


def test_writes_without_act_record_nothing(acme, call):
    todo = call("POST", BASE, json={"title": "Ship it"}).get_json()
    assert todo["changed_by_actor"] is None
    call("PATCH", f"{BASE}/{todo['id']}", json={"done": True})
    call("DELETE", f"{BASE}/{todo['id']}")
    assert writes(acme) == []


def test_the_user_sees_the_impersonated_change_in_get_and_list(call, document):
    todo = call("POST", BASE, act=ACT, json={"title": "Ship it", "visibility": "org"}).get_json()
    one = call("GET", f"{BASE}/{todo['id']}").get_json()
    assert one["changed_by_actor"]["actor"]["sub"] == "7"
    page = call("GET", BASE).get_json()
    assert_matches(document, "TodoPage", page)
    assert [t["changed_by_actor"]["actor"]["sub"] for t in page["items"]] == ["7"]

    # The user's own change afterwards is the latest: the todo no longer says an admin changed it.
    assert call("PATCH", f"{BASE}/{todo['id']}", json={"done": True}).get_json()["changed_by_actor"] is None


@pytest.mark.parametrize("act", [{"sub": 7}, "7", {}, {"name": "no sub"}])
def test_a_token_with_a_malformed_act_is_refused(call, act):
    response = call("POST", BASE, act=act, json={"title": "Ship it"})
    assert response.status_code == 401
    assert 'error="invalid_token"' in response.headers["WWW-Authenticate"]


def test_the_openapi_document_describes_the_field(document):
    todo = document["components"]["schemas"]["Todo"]
    assert "changed_by_actor" in todo["required"]
    assert "RFC 8693 `act`" in todo["properties"]["changed_by_actor"]["description"]
    change = document["components"]["schemas"]["ActorChange"]
    assert change["required"] == ["actor", "on_behalf_of", "action", "at"]
    assert change["properties"]["action"]["enum"] == ["create", "update"]
    assert "`act`" in document["info"]["description"]
