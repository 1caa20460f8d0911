""" "Delete all my todos": only the viewer's own todos in the active org go, and only after a step-up."""

import time

import pytest
from sqlalchemy import select

from common.clock import utcnow
from tenants.extensions import db
from tenants.signin.stepup import MFA_ACR
from tenants.todos import services
from tenants.todos.models import Todo
from tenants.todos.scoping import NotFound
from tests.conftest import submit
from tests.tenants.people import AUTHOR, MEMBER, ORG, OWNER


@pytest.fixture
def acme(acme_app, fake_provider):
    return fake_provider(acme_app)


def titles(app) -> set[str]:
    """This site's todo titles (Acme and Globex may share one database, told apart by `site`)."""
    with app.app_context():
        found = set(db.session.scalars(select(Todo.title).where(Todo.site == app.config["SITE"])))
        db.session.remove()
        return found


def stepped_up(seconds_ago: int = 60) -> dict:
    """ID-token claims of a second factor given seconds_ago."""
    return {"acr": MFA_ACR, "amr": ["pwd", "otp"], "auth_time": int(time.time()) - seconds_ago}


@pytest.fixture
def todos(acme, globex_app, write_todo):
    """The owner's shared and private todos in ORG, the author's in ORG, the owner's elsewhere and on Globex."""
    write_todo(acme, OWNER, "org", title="owner shared")
    write_todo(acme, OWNER, "private", title="owner private")
    write_todo(acme, AUTHOR, "org", title="author shared")
    write_todo(acme, OWNER, "private", org=OWNER.personal_org, title="owner personal")
    write_todo(globex_app, OWNER, "org", title="owner on globex")


def test_only_the_viewers_own_todos_in_that_org_go(acme, globex_app, todos):
    with acme.app_context():
        assert services.count_own_todos("acme", OWNER.viewer, ORG) == 2
        # The owner may change the author's shared todo, but "all my todos" means what they wrote.
        assert services.delete_own_todos("acme", OWNER.viewer, ORG, utcnow()) == 2
    assert titles(acme) == {"author shared", "owner personal"}
    assert titles(globex_app) == {"owner on globex"}


def test_an_org_not_in_the_claim_deletes_nothing(acme, todos):
    with acme.app_context(), pytest.raises(NotFound):
        services.delete_own_todos("acme", MEMBER.viewer, OWNER.personal_org, utcnow())
    assert len(titles(acme)) == 4


def test_without_a_recent_second_factor_the_page_sends_the_user_to_step_up(acme, browser_as, todos):
    browser = browser_as(acme, OWNER, active_org=ORG)
    # A confirmation posted with a valid CSRF token is still sent round: the decorator guards POST too.
    for response in (browser.get("/todos/delete-mine"), submit(browser, "/todos/delete-mine", {}, form_url="/todos/")):
        assert response.status_code == 303
        assert response.headers["Location"] == "/auth/step-up?next=/todos/delete-mine&max_age=600"
    assert len(titles(acme)) == 4


@pytest.mark.parametrize("claims", [{"amr": ["pwd"]}, stepped_up(601), {**stepped_up(), "acr": None}])
def test_a_session_short_of_the_rule_is_sent_to_step_up(acme, open_session, claims):
    browser = acme.test_client()
    open_session(acme, browser, sub=OWNER.sub, orgs=OWNER.orgs, **{k: v for k, v in claims.items() if v})
    assert browser.get("/todos/delete-mine").headers["Location"].startswith("/auth/step-up?")


def test_after_a_step_up_the_page_confirms_then_deletes(acme, open_session, todos):
    browser = acme.test_client()
    open_session(acme, browser, sub=OWNER.sub, orgs=OWNER.orgs, **stepped_up())
    submit(browser, "/active-org", {"org_id": ORG}, form_url="/todos/")

    page = browser.get("/todos/delete-mine").get_data(as_text=True)
    assert "the 2 todos you wrote here" in page and "Initech" in page

    response = submit(browser, "/todos/delete-mine", {})
    assert response.status_code == 303
    assert titles(acme) == {"author shared", "owner personal"}
    assert "Deleted 2 todos of yours." in browser.get("/todos/").get_data(as_text=True)


def test_the_deletion_needs_its_csrf_token(acme, open_session, todos):
    browser = acme.test_client()
    open_session(acme, browser, sub=OWNER.sub, orgs=OWNER.orgs, **stepped_up())
    assert browser.post("/todos/delete-mine").status_code == 400
    assert len(titles(acme)) == 4


def test_an_anonymous_visitor_is_sent_to_step_up_directly(acme):
    browser = acme.test_client()
    with browser.session_transaction() as session:
        session["sso_checked"] = True
    assert browser.get("/todos/delete-mine").headers["Location"].startswith("/auth/step-up?")
