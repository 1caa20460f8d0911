""" "Delete all my todos": only the viewer's own todos in the active org go, and only after a step-up."""

import secrets
import time
from urllib.parse import parse_qs, urlsplit

import pytest
from sqlalchemy import select

from common.clock import utcnow
from tenants.extensions import db
from tenants.signin.client import provider
from tenants.signin.stepup import MFA_ACR
from tenants.todos import services
from tenants.todos.models import Todo
from tenants.todos.scoping import NotFound
from tests.conftest import submit
from tests.tenants.conftest import sign
from tests.tenants.people import AUTHOR, MEMBER, ORG, OWNER


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


def step_up_at_provider(app, browser, provider_key, monkeypatch, **claims):
    """Go through /auth/step-up for the page; the stand-in provider answers with an ID token of these claims."""
    tenant = app.config["TENANT"]
    started = browser.get("/auth/step-up?next=/todos/delete-mine&max_age=600")
    query = parse_qs(urlsplit(started.headers["Location"]).query)
    now = int(time.time())
    base = {"iss": tenant.issuer, "aud": tenant.client_id, "iat": now, "exp": now + 300, "auth_time": now}
    id_token = sign(provider_key, base | {"sub": OWNER.sub, "nonce": query["nonce"][0], "sid": "op-1"} | claims)
    token = {
        "access_token": "at-" + secrets.token_hex(8),
        "token_type": "Bearer",
        "expires_in": 300,
        "id_token": id_token,
    }
    with app.app_context():
        monkeypatch.setattr(provider(), "fetch_access_token", lambda **params: dict(token))
    return browser.get(f"/auth/callback?code=c&state={query['state'][0]}&iss={tenant.issuer}")


def test_a_step_up_without_a_second_factor_ends_on_a_clean_url(acme, open_session, provider_key, monkeypatch, todos):
    browser = acme.test_client()
    open_session(acme, browser, sub=OWNER.sub, orgs=OWNER.orgs, amr=["pwd"])

    callback = step_up_at_provider(acme, browser, provider_key, monkeypatch, amr=["pwd"])

    # 303 away from /auth/callback?code=…: that code is spent, a reload there could only show an error.
    assert callback.status_code == 303 and callback.headers["Location"] == "/auth/second-factor-needed"
    for _ in range(2):  # and a reload of the clean URL shows the same page
        page = browser.get("/auth/second-factor-needed")
        assert page.status_code == 403 and "Two-factor authentication needed" in page.get_data(as_text=True)
    assert len(titles(acme)) == 4


def test_without_a_second_factor_delete_all_explains_how_to_set_one_up(
    acme, open_session, provider_key, monkeypatch, todos
):
    browser = acme.test_client()
    open_session(acme, browser, sub=OWNER.sub, orgs=OWNER.orgs, amr=["pwd"])
    step_up_at_provider(acme, browser, provider_key, monkeypatch, amr=["pwd"])

    page = browser.get("/todos/delete-mine")

    html = page.get_data(as_text=True)
    assert page.status_code == 403 and "Deleting all your todos needs two-factor authentication" in html
    assert f'href="{acme.config["TENANT"].security_url}"' in html, "a link to set it up at Accounts"
    assert 'href="/auth/step-up?next=/todos/delete-mine&amp;max_age=600"' in html, "and to try again after"
    assert "Delete 2 todos" not in html
    # The confirmation itself still needs the second factor.
    response = submit(browser, "/todos/delete-mine", {}, form_url="/todos/")
    assert response.headers["Location"].startswith("/auth/step-up?")
    assert len(titles(acme)) == 4


def test_a_new_step_up_forgets_the_last_answer(acme, open_session, provider_key, monkeypatch, todos):
    browser = acme.test_client()
    open_session(acme, browser, sub=OWNER.sub, orgs=OWNER.orgs, amr=["pwd"])
    step_up_at_provider(acme, browser, provider_key, monkeypatch, amr=["pwd"])

    # Two-factor set up meanwhile: "try again" goes round once more, and this time the code comes back.
    landed = step_up_at_provider(acme, browser, provider_key, monkeypatch, amr=["pwd", "otp"], acr=MFA_ACR)

    assert landed.headers["Location"] == "/todos/delete-mine"
    assert "Delete all your todos in" in browser.get("/todos/delete-mine").get_data(as_text=True)
    assert browser.get("/auth/second-factor-needed").headers["Location"] == "/"


def test_the_clean_url_without_a_refused_step_up_goes_home(acme, open_session):
    browser = acme.test_client()
    open_session(acme, browser, sub=OWNER.sub, orgs=OWNER.orgs)
    assert browser.get("/auth/second-factor-needed").headers["Location"] == "/"


def test_another_users_refusal_is_not_theirs(acme, open_session, todos):
    browser = acme.test_client()
    open_session(acme, browser, sub=OWNER.sub, orgs=OWNER.orgs)
    with browser.session_transaction() as session:
        session["step_up_refused"] = {"sub": AUTHOR.sub, "next": "/todos/delete-mine", "max_age": 600}
    assert browser.get("/todos/delete-mine").headers["Location"].startswith("/auth/step-up?")
