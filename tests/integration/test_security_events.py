"""Security events over real HTTP: a change at Accounts reaches the open tenant page and bearer token at once."""

import time
from datetime import timedelta
from types import SimpleNamespace

import pytest
import requests
from sqlalchemy import func, select, update

from accounts.extensions import db as accounts_db
from accounts.orgs import services as orgs
from accounts.orgs.rules import Role
from accounts.security_events import delivery
from accounts.security_events.models import OutboxEvent
from common.clock import utcnow
from tenants.extensions import db as tenants_db
from tenants.signin.models import ReceivedSecurityEvent, TokenSet
from tenants.todos.models import Todo
from tests.conftest import PASSWORD
from tests.live import form_token, serve, sign_in_at_tenant


@pytest.fixture
def initech(accounts_app, make_user):
    """Initech: alice owner, bob admin, carol member."""
    people = {n: make_user(f"{n}@example.com", name=n.capitalize()) for n in ("alice", "bob", "carol")}
    with accounts_app.app_context():
        org = orgs.create_org(people["alice"].id, "Initech", "initech", utcnow())
        orgs.set_membership(org.id, people["bob"].id, Role.ADMIN)
        orgs.set_membership(org.id, people["carol"].id, Role.MEMBER)
        accounts_db.session.commit()
        org_id = str(org.id)
    return SimpleNamespace(org_id=org_id, **{n: p for n, p in people.items()})


def at_acme(sites, user, org_id: str) -> requests.Session:
    """A browser signed in at Acme as user, working in org_id."""
    browser = requests.Session()
    sign_in_at_tenant(browser, sites.acme.url, user.email, PASSWORD, next="/todos/")
    page = browser.get(f"{sites.acme.url}/todos/")
    browser.post(f"{sites.acme.url}/active-org", data={"csrf_token": form_token(page.text), "org_id": org_id})
    return browser


def bearer(sites, user) -> str:
    """The access token Acme holds for the user: RFC 9068, audience Acme, with the orgs claim."""
    with sites.acme.app.app_context():
        token = tenants_db.session.scalar(select(TokenSet.access_token).where(TokenSet.sub == str(user.id)))
        tenants_db.session.remove()
    return token


def api(sites, method: str, path: str, token: str, **kwargs) -> requests.Response:
    return requests.request(
        method, f"{sites.acme.url}/api/v1{path}", headers={"Authorization": f"Bearer {token}"}, timeout=10, **kwargs
    )


def at_accounts(sites, user, path: str, data: dict, form_path: str | None = None) -> requests.Response:
    """Sign in at Accounts as user and submit a form of the page form_path (path itself by default) to path."""
    browser = requests.Session()
    page = browser.get(f"{sites.accounts.url}/sign-in")
    browser.post(
        f"{sites.accounts.url}/sign-in",
        data={"csrf_token": form_token(page.text), "email": user.email, "password": PASSWORD},
    )
    form = browser.get(f"{sites.accounts.url}{form_path or path}")
    return browser.post(f"{sites.accounts.url}{path}", data={"csrf_token": form_token(form.text), **data})


def todo_count(sites) -> int:
    with sites.acme.app.app_context():
        count = tenants_db.session.scalar(select(func.count()).select_from(Todo))
        tenants_db.session.remove()
    return count


def test_a_removed_member_loses_the_org_on_the_open_page_and_the_bearer_token_within_a_second(sites, initech):
    at_acme(sites, initech.alice, initech.org_id)
    shared = api(
        sites,
        "POST",
        f"/orgs/{initech.org_id}/todos",
        bearer(sites, initech.alice),
        json={"title": "Quarterly plan", "visibility": "org"},
    )
    assert shared.status_code == 201, shared.text
    member = at_acme(sites, initech.carol, initech.org_id)
    token = bearer(sites, initech.carol)
    assert "Quarterly plan" in member.get(f"{sites.acme.url}/todos/").text
    assert api(sites, "GET", f"/orgs/{initech.org_id}/todos", token).status_code == 200

    removed = at_accounts(sites, initech.alice, f"/orgs/initech/members/{initech.carol.id}/remove", {})
    changed_at = time.monotonic()
    assert removed.status_code == 200 and "Removed Carol" in removed.text

    page = member.get(f"{sites.acme.url}/todos/")
    listed = api(sites, "GET", f"/orgs/{initech.org_id}/todos", token)
    before = todo_count(sites)
    written = api(sites, "POST", f"/orgs/{initech.org_id}/todos", token, json={"title": "sneaky", "visibility": "org"})
    elapsed = time.monotonic() - changed_at

    assert page.status_code == 200 and "Quarterly plan" not in page.text and "Initech" not in page.text
    assert listed.status_code == 401 and written.status_code == 401
    assert todo_count(sites) == before, "nothing changed"
    assert elapsed < 1.0
    inspector = member.get(f"{sites.acme.url}/inspector")
    assert "Security events received" in inspector.text and "token-claims-change" in inspector.text


def test_a_demoted_admin_can_no_longer_edit_others_shared_todos(sites, initech):
    at_acme(sites, initech.carol, initech.org_id)
    created = api(
        sites,
        "POST",
        f"/orgs/{initech.org_id}/todos",
        bearer(sites, initech.carol),
        json={"title": "Carol's plan", "visibility": "org"},
    )
    todo_id = created.json()["id"]
    admin = at_acme(sites, initech.bob, initech.org_id)
    token = bearer(sites, initech.bob)
    assert api(sites, "PATCH", f"/orgs/{initech.org_id}/todos/{todo_id}", token, json={"title": "Bob was here"}).ok
    assert admin.get(f"{sites.acme.url}/todos/{todo_id}/edit").status_code == 200

    changed = at_accounts(
        sites, initech.alice, f"/orgs/initech/members/{initech.bob.id}/role", {"role": "member"}, "/orgs/initech"
    )
    assert "Bob is now member" in changed.text

    assert admin.get(f"{sites.acme.url}/todos/{todo_id}/edit").status_code == 403
    refused = api(sites, "PATCH", f"/orgs/{initech.org_id}/todos/{todo_id}", token, json={"title": "again"})
    assert refused.status_code == 401
    with sites.acme.app.app_context():
        assert tenants_db.session.get(Todo, todo_id).title == "Bob was here"
        tenants_db.session.remove()


def test_a_tenant_down_during_the_change_gets_the_event_when_back_exactly_once(sites, initech, accounts_app):
    member = at_acme(sites, initech.carol, initech.org_id)
    host, port = sites.acme.url.removeprefix("http://").split(":")
    sites.acme.stop()

    with accounts_app.app_context():
        orgs.remove_member(int(initech.org_id), initech.alice.id, initech.carol.id)
        accounts_db.session.commit()
        (row,) = accounts_db.session.scalars(select(OutboxEvent).where(OutboxEvent.kind == "set"))
        assert row.status == "pending" and row.attempts == 1
        event_id, jti = row.id, row.jti

    sites.acme = serve(sites.acme.app, host, int(port))
    assert "Initech" in member.get(f"{sites.acme.url}/todos/").text, "not told yet"
    with accounts_app.app_context():
        outcomes = delivery.deliver_due(utcnow() + timedelta(minutes=1))
        assert outcomes == {event_id: "delivered"}
        assert delivery.deliver_due(utcnow() + timedelta(days=2)) == {}, "a delivered event is not sent again"
        # Were the worker to send it again anyway (say, its answer got lost), the tenant applies it once.
        accounts_db.session.execute(update(OutboxEvent).values(delivered_at=None, next_attempt_at=utcnow()))
        accounts_db.session.commit()
        assert delivery.deliver(event_id) == "failed"
        assert "replayed jti" in accounts_db.session.get(OutboxEvent, event_id).last_error

    assert "Initech" not in member.get(f"{sites.acme.url}/todos/").text
    with sites.acme.app.app_context():
        seen = tenants_db.session.scalars(select(ReceivedSecurityEvent.jti))
        assert list(seen) == [jti]
        tenants_db.session.remove()
