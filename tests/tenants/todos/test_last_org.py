"""After sign-in the user works in the org they last switched to, while their token's orgs claim still lists it."""

import pytest
from sqlalchemy import select
from sqlalchemy.exc import OperationalError

from common.clock import utcnow
from tenants.extensions import db
from tenants.todos import last_org
from tenants.todos.models import LastActiveOrg
from tests.conftest import submit
from tests.tenants.people import ADMIN, ISSUER, MEMBER, ORG
from tests.tenants.sql import recorded_sql

ACT = {"sub": "7", "name": "Adam Admin"}


def signed_in(app, provider_sign_in, person, orgs=None):
    """A new browser signed in through the real callback with person's (or the given) orgs claim."""
    browser = app.test_client()
    response = provider_sign_in(
        app, browser, sub=person.sub, name=person.name, orgs=person.orgs if orgs is None else orgs
    )
    assert response.status_code == 302, response.get_data(as_text=True)
    return browser


def heading(browser) -> str:
    page = browser.get("/todos/")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    return html[html.index("<h1>") + 4 : html.index("</h1>")].split(" <span")[0]


def stored(app) -> list[tuple]:
    with app.app_context():
        rows = db.session.scalars(select(LastActiveOrg).order_by(LastActiveOrg.site, LastActiveOrg.sub))
        found = [(r.site, r.iss, r.sub, r.org_id) for r in rows]
        db.session.remove()
        return found


def test_a_new_sign_in_starts_in_the_org_last_switched_to(acme, browser_as, provider_sign_in):
    assert heading(signed_in(acme, provider_sign_in, MEMBER)) == "Your personal space"
    browser_as(acme, MEMBER, active_org=ORG)
    assert stored(acme) == [("acme", ISSUER, MEMBER.sub, ORG)]
    assert heading(signed_in(acme, provider_sign_in, MEMBER)) == "Initech"

    # Switching back is remembered too: the next sign-in starts in the personal space again.
    browser_as(acme, MEMBER, active_org=MEMBER.personal_org)
    assert heading(signed_in(acme, provider_sign_in, MEMBER)) == "Your personal space"
    assert stored(acme) == [("acme", ISSUER, MEMBER.sub, MEMBER.personal_org)]


def test_a_last_org_the_token_no_longer_grants_is_not_restored(acme, browser_as, provider_sign_in):
    browser_as(acme, MEMBER, active_org=ORG)
    # Removed from Initech since: the new token's orgs claim lists the personal space only.
    browser = signed_in(acme, provider_sign_in, MEMBER, orgs=MEMBER.orgs[:1])
    assert heading(browser) == "Your personal space"
    assert 'value="42"' not in browser.get("/todos/").get_data(as_text=True)


@pytest.mark.parametrize("org_id", ["77", "~" + "0" * 64, "", "x" * 255])
def test_a_stored_org_that_names_no_membership_falls_back_to_the_personal_space(acme, provider_sign_in, org_id):
    with acme.app_context():
        last_org.remember("acme", ISSUER, MEMBER.sub, org_id, utcnow())
        db.session.remove()
    assert heading(signed_in(acme, provider_sign_in, MEMBER)) == "Your personal space"


def test_the_last_org_is_kept_per_user_and_per_site(acme, globex_app, fake_provider, browser_as, provider_sign_in):
    globex = fake_provider(globex_app)
    browser_as(acme, MEMBER, active_org=ORG)
    assert heading(signed_in(acme, provider_sign_in, ADMIN)) == "Your personal space"
    assert heading(signed_in(globex, provider_sign_in, MEMBER)) == "Your personal space"
    assert heading(signed_in(acme, provider_sign_in, MEMBER)) == "Initech"


def test_an_impersonating_admin_does_not_move_the_users_last_org(acme, open_session, provider_sign_in):
    browser = acme.test_client()
    open_session(acme, browser, sub=MEMBER.sub, name=MEMBER.name, orgs=MEMBER.orgs, act=ACT)
    assert submit(browser, "/active-org", {"org_id": ORG}, form_url="/todos/").status_code == 303
    assert heading(browser) == "Initech"  # the admin works in Initech in their own session
    assert stored(acme) == []
    assert heading(signed_in(acme, provider_sign_in, MEMBER)) == "Your personal space"


def test_the_stored_org_is_read_once_per_session(acme, browser_as, provider_sign_in):
    browser_as(acme, MEMBER, active_org=ORG)
    browser = signed_in(acme, provider_sign_in, MEMBER)
    for expected in (1, 0):
        with acme.app_context(), recorded_sql() as statements:
            assert heading(browser) == "Initech"
        assert len([s for s in statements if "last_active_orgs" in s]) == expected, statements


def test_a_database_failure_while_recalling_the_org_is_a_503_not_a_500(acme, provider_sign_in, monkeypatch):
    browser = signed_in(acme, provider_sign_in, MEMBER)

    def down(*args):
        raise OperationalError("SELECT", {}, Exception("connection refused"))

    monkeypatch.setattr(last_org, "recall", down)
    response = browser.get("/todos/")
    assert response.status_code == 503 and response.headers["Retry-After"] == "5"
    monkeypatch.undo()
    assert heading(browser) == "Your personal space"  # the session goes on; this sign-in skips the restore
