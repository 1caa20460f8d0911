"""The audit pages: every event for site admins, an org's own events for its owners and admins only."""

import html
import re
from datetime import datetime, timedelta

import pytest
import time_machine
from sqlalchemy import event

from accounts.audit.events import Origin
from accounts.audit.queries import PAGE_SIZE
from accounts.extensions import db
from common.clock import utcnow
from tests.conftest import PASSWORD, Auth

ADMIN_LOG = "/admin/audit"
ROW = re.compile(r'<td data-label="Time">')


@pytest.fixture
def admin(accounts_app, make_user):
    """A signed-in site admin's browser."""
    user = make_user("root@example.com", PASSWORD, "Root", admin=True)
    browser = accounts_app.test_client()
    assert Auth(browser).sign_in(user.email).status_code == 303
    browser.user = user
    return browser


def text(browser, url: str) -> str:
    """The page as read, entities decoded, asserting a 200."""
    response = browser.get(url)
    assert response.status_code == 200, f"GET {url} answered {response.status_code}"
    return html.unescape(response.get_data(as_text=True))


def table(browser, url: str) -> str:
    """Only the events table of the page (the filter menu also names every event type)."""
    return text(browser, url).partition('<table class="table audit"')[2]


def rows(page: str) -> int:
    return len(ROW.findall(page))


def org_log(initech) -> str:
    return f"/orgs/{initech.id}/audit"


def test_anonymous_visitors_are_sent_to_sign_in(client, initech):
    for url in (ADMIN_LOG, org_log(initech)):
        response = client.get(url)
        assert response.status_code == 302 and "/sign-in" in response.location


def test_only_site_admins_see_the_whole_log(initech, signed_in):
    assert signed_in(initech.alice).get(ADMIN_LOG).status_code == 403


def test_an_admin_sees_every_org_and_the_people_by_name(admin, initech, append):
    append(1, event_type="org.role_changed", actor_id=initech.alice.id, subject_id=initech.carol.id, org_id=initech.id)
    append(1, event_type="consent.granted", actor_id=initech.dave.id, origin=Origin("198.51.100.4", "x", 1))
    page = table(admin, ADMIN_LOG)
    assert "Changed a member's role" in page and "Allowed an app access" in page and "Created an organization" in page
    assert "Alice" in page and "carol@example.com" in page and "Initech" in page and "198.51.100.4" in page


def test_newest_first(admin, append):
    append(1, event_type="signin.failed")
    append(1, event_type="signout")
    page = table(admin, ADMIN_LOG)
    assert page.index("Signed out") < page.index("Sign-in failed")


@pytest.mark.parametrize("who", ["alice", "bob"])
def test_org_owners_and_admins_see_only_their_orgs_events(initech, signed_in, append, who):
    append(1, event_type="org.renamed", actor_id=initech.alice.id, org_id=initech.id, details={"to": "Initech 2"})
    append(1, event_type="org.renamed", actor_id=initech.dave.id, org_id=initech.id + 1000, details={"to": "Elsewhere"})
    append(1, event_type="signin.succeeded", actor_id=initech.alice.id)
    page = table(signed_in(getattr(initech, who)), org_log(initech))
    assert "Initech 2" in page and "Elsewhere" not in page and "Signed in" not in page
    assert "Security events of Initech" in text(signed_in(initech.alice), org_log(initech))


@pytest.mark.parametrize("who", ["carol", "dave"])
def test_members_and_outsiders_get_404(initech, signed_in, who):
    assert signed_in(getattr(initech, who)).get(org_log(initech)).status_code == 404


@pytest.mark.parametrize("org_id", ["999999", str(2**31), str(10**40)])
def test_unknown_and_huge_org_ids_are_404(initech, signed_in, org_id):
    assert signed_in(initech.alice).get(f"/orgs/{org_id}/audit").status_code == 404


def test_the_org_page_links_the_log_for_owners_and_admins_only(initech, signed_in):
    link = f'href="{org_log(initech)}"'
    assert link in text(signed_in(initech.alice), "/orgs/initech")
    assert link in text(signed_in(initech.bob), "/orgs/initech")
    assert link not in text(signed_in(initech.carol), "/orgs/initech")


def test_pages_are_never_cached(admin, initech, signed_in):
    assert admin.get(ADMIN_LOG).headers["Cache-Control"] == "no-store"
    assert signed_in(initech.alice).get(org_log(initech)).headers["Cache-Control"] == "no-store"


def test_filter_by_event_type(admin, append):
    append(2, event_type="signin.failed")
    append(3, event_type="signout")
    assert rows(text(admin, f"{ADMIN_LOG}?type=signin.failed")) == 2


def test_filter_by_user_matches_actor_impersonator_or_subject(admin, initech, append):
    carol = initech.carol.id
    append(1, event_type="signout", actor_id=carol)
    append(1, event_type="signout", actor_id=99, origin=Origin(impersonator_id=carol))
    append(1, event_type="signout", actor_id=98, subject_id=carol)
    append(4, event_type="signout", actor_id=97)
    assert rows(text(admin, f"{ADMIN_LOG}?type=signout&user={carol}")) == 3
    assert rows(text(admin, f"{ADMIN_LOG}?type=signout&user=Carol@Example.com")) == 3
    assert rows(text(admin, f"{ADMIN_LOG}?user=nobody@example.com")) == 0


def test_filter_by_org_slug_or_id(admin, initech, append):
    append(2, event_type="org.renamed", org_id=initech.id)
    append(3, event_type="org.renamed", org_id=initech.id + 1)
    assert rows(text(admin, f"{ADMIN_LOG}?type=org.renamed&org=initech")) == 2
    assert rows(text(admin, f"{ADMIN_LOG}?type=org.renamed&org={initech.id + 1}")) == 3


def test_filter_by_date_range_includes_both_days(accounts_app, admin, append):
    for day in (1, 2, 3, 4):
        with time_machine.travel(datetime(2026, 3, day, 23, 59), tick=False):
            append(1, event_type="signout")
    assert rows(text(admin, f"{ADMIN_LOG}?type=signout&start=2026-03-02&end=2026-03-03")) == 2
    assert rows(text(admin, f"{ADMIN_LOG}?type=signout&start=2026-03-04")) == 1


def test_keyset_pages_go_back_in_time_without_overlap(admin, append):
    append(PAGE_SIZE + 10, event_type="signout")
    first = text(admin, f"{ADMIN_LOG}?type=signout")
    assert rows(first) == PAGE_SIZE
    older = re.search(r'href="([^"]+)">Older events', first).group(1)
    assert "type=signout" in older
    second = text(admin, html.unescape(older))
    assert rows(second) == 10 and "Older events" not in second and "Newest events" in second


def test_a_page_loads_its_people_in_one_query_whatever_its_size(accounts_app, admin, initech, append):
    def queries_for(count: int) -> int:
        for number in range(count):
            append(1, event_type=f"test.n{count}", actor_id=number + 1, subject_id=number + 2, org_id=number + 3)
        admin.get(ADMIN_LOG)  # the session's own bookkeeping happens on some requests only
        seen = []
        with accounts_app.app_context():
            listener = lambda *args: seen.append(1)  # noqa: E731
            event.listen(db.engine, "before_cursor_execute", listener)
            try:
                admin.get(f"{ADMIN_LOG}?type=test.n{count}")
            finally:
                event.remove(db.engine, "before_cursor_execute", listener)
        return len(seen)

    assert queries_for(3) == queries_for(30)


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("start=yesterday", "“From” must be a date"),
        ("end=2026-02-30", "“To” must be a date"),
        ("start=2026-05-01&end=2026-04-01", "“From” is after “To”"),
        (f"user={10**30}", "Enter a user's email address or numeric id"),
        ("user=-3", "Enter a user's email address or numeric id"),
        (f"org={10**50}", "Enter an organization's slug or numeric id"),
        (f"org={10**30}", "No events match."),
        ("org=Not A Slug!", "Enter an organization's slug or numeric id"),
        ("type=<script>", "That event type does not exist"),
        (f"before={10**30}", "That page link is broken"),
        ("before=-5", "That page link is broken"),
    ],
)
def test_bad_filters_get_a_message_not_an_error(admin, query, message):
    response = admin.get(f"{ADMIN_LOG}?{query}")
    assert response.status_code == 200
    assert message in html.unescape(response.get_data(as_text=True))


def test_control_characters_in_filters_are_refused_before_the_view(admin):
    assert admin.get(f"{ADMIN_LOG}?user=%00").status_code == 400


def test_an_impersonated_action_shows_both_people(admin, initech, append):
    append(1, event_type="org.role_changed", actor_id=initech.bob.id, origin=Origin(impersonator_id=admin.user.id))
    page = text(admin, f"{ADMIN_LOG}?type=org.role_changed")
    actor = page[page.index('data-label="Actor"') : page.index('data-label="Subject"')]
    assert actor.index("Bob") < actor.index("Impersonated by") < actor.index("Root")


def test_a_deleted_account_shows_as_its_id(admin, append):
    append(1, event_type="signout", actor_id=424242)
    assert "#424242 (account deleted)" in text(admin, f"{ADMIN_LOG}?type=signout")


def test_dates_in_the_past_week(admin, append):
    append(1, event_type="signout")
    today = utcnow().date()
    week = (today - timedelta(days=7)).isoformat()
    assert rows(text(admin, f"{ADMIN_LOG}?type=signout&start={week}")) == 1
