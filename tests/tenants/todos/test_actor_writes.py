"""SPEC §2.7: todo writes made while an admin impersonates a user are recorded with the actor (RFC 8693 `act`)."""

import time
from dataclasses import replace
from datetime import timedelta

import pytest
from sqlalchemy import select

from common.clock import utcnow
from tenants.extensions import db
from tenants.signin.impersonation import Impersonation
from tenants.signin.stepup import MFA_ACR
from tenants.todos import services
from tenants.todos.models import ActorWrite, Todo
from tests.conftest import submit
from tests.tenants.people import ADMIN, MEMBER, ORG

ACT = {"sub": "7", "name": "Adam Admin"}
ADAM = Impersonation(actor_sub="7", actor_name="Adam Admin")


def writes(app) -> list[tuple]:
    """Every impersonated write on the site: (todo_id, action, subject, subject name, actor, actor name)."""
    with app.app_context():
        rows = db.session.scalars(
            select(ActorWrite).where(ActorWrite.site == app.config["SITE"]).order_by(ActorWrite.id)
        )
        found = [(w.todo_id, w.action, w.subject_sub, w.subject_name, w.actor_sub, w.actor_name) for w in rows]
        db.session.remove()
        return found


@pytest.fixture
def as_member(acme, open_session):
    """as_member(act=...): a browser signed in as Mia Member working in ORG, impersonated when act is given."""

    def make(**claims):
        browser = acme.test_client()
        open_session(acme, browser, sub=MEMBER.sub, name=MEMBER.name, orgs=MEMBER.orgs, **claims)
        with browser.session_transaction() as session:
            session["active_org_id"] = ORG
        return browser

    return make


def add_edit_toggle_delete(app, browser) -> str:
    """Create a todo through the pages, edit it, toggle it, delete it; return its id."""
    assert submit(browser, "/todos/new", {"title": "Ship it", "visibility": "org"}).status_code == 303
    with app.app_context():
        todo_id = db.session.scalar(select(Todo.id).where(Todo.site == "acme", Todo.title == "Ship it"))
        db.session.remove()
    edit = submit(browser, f"/todos/{todo_id}/edit", {"title": "Ship it now", "visibility": "org"})
    assert edit.status_code == 303
    toggle = submit(browser, f"/todos/{todo_id}/toggle", {"next": "/todos/"}, form_url=f"/todos/{todo_id}")
    assert toggle.status_code == 303
    assert submit(browser, f"/todos/{todo_id}/delete", {}).status_code == 303
    return todo_id


def test_page_writes_while_impersonated_are_recorded_with_the_actor(acme, as_member):
    todo_id = add_edit_toggle_delete(acme, as_member(act=ACT, impersonation={"reason": "Ticket #4411"}))
    mia = (MEMBER.sub, MEMBER.name, "7", "Adam Admin")
    assert writes(acme) == [
        (todo_id, "create", *mia),
        (todo_id, "update", *mia),
        (todo_id, "update", *mia),
        (todo_id, "delete", *mia),  # the record outlives the todo
    ]


def test_page_writes_without_impersonation_record_nothing(acme, as_member):
    add_edit_toggle_delete(acme, as_member())
    assert writes(acme) == []


def test_delete_all_mine_while_impersonated_records_each_todo(acme, as_member):
    browser = as_member(act=ACT, acr=MFA_ACR, amr=["pwd", "otp"], auth_time=int(time.time()))
    for title in ("one", "two"):
        submit(browser, "/todos/new", {"title": title, "visibility": "private"})
    created = [w[0] for w in writes(acme)]
    assert submit(browser, "/todos/delete-mine", {}).status_code == 303
    deleted = [w for w in writes(acme) if w[1] == "delete"]
    assert sorted(w[0] for w in deleted) == sorted(created)
    assert {w[2:] for w in deleted} == {(MEMBER.sub, MEMBER.name, "7", "Adam Admin")}


def test_the_todo_page_says_who_edited_on_whose_behalf(acme, as_member, open_session):
    impersonated = as_member(act=ACT)
    submit(impersonated, "/todos/new", {"title": "Ship it", "visibility": "org"})
    todo_id = writes(acme)[0][0]
    page = as_member().get(f"/todos/{todo_id}").get_data(as_text=True)
    assert "Created by <strong>Adam Admin</strong> on behalf of <strong>Mia Member</strong> (you) on " in page

    submit(impersonated, f"/todos/{todo_id}/edit", {"title": "Ship it now", "visibility": "org"})
    admin = acme.test_client()
    open_session(acme, admin, sub=ADMIN.sub, name=ADMIN.name, orgs=ADMIN.orgs)
    with admin.session_transaction() as session:
        session["active_org_id"] = ORG
    page = admin.get(f"/todos/{todo_id}").get_data(as_text=True)
    assert "Edited by <strong>Adam Admin</strong> on behalf of <strong>Mia Member</strong> on " in page


def test_once_the_user_changes_it_themselves_the_note_goes(acme, as_member):
    submit(as_member(act=ACT), "/todos/new", {"title": "Ship it", "visibility": "org"})
    todo_id = writes(acme)[0][0]
    with acme.app_context():
        # The user's own edit a minute later (services directly: the same code the page runs).
        services.update_todo("acme", MEMBER.viewer, ORG, todo_id, {"done": True}, utcnow() + timedelta(minutes=1))
        db.session.remove()
    page = as_member().get(f"/todos/{todo_id}").get_data(as_text=True)
    assert "on behalf of" not in page
    assert len(writes(acme)) == 1, "the user's own edit adds no entry"


def test_a_viewer_without_an_actor_writes_no_entry(in_acme):
    todo = services.create_todo("acme", MEMBER.viewer, ORG, {"title": "Mine"}, utcnow())
    assert db.session.scalars(select(ActorWrite)).all() == []
    services.create_todo("acme", replace(MEMBER.viewer, actor=ADAM), ORG, {"title": "Adam's"}, utcnow())
    assert [(w.actor_sub, w.action) for w in db.session.scalars(select(ActorWrite))] == [("7", "create")]
    assert services.last_actor_changes("acme", [todo]) == {}
