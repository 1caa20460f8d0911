"""SPEC §2.7: while an admin impersonates the user, every tenant page says who acts as whom, why, for how long."""

import re
import time
from datetime import UTC, datetime

import pytest
import time_machine

from common.clock import utcnow
from tenants.extensions import db
from tenants.signin.stepup import MFA_ACR
from tenants.todos import services
from tests.tenants.people import MEMBER, ORG

NOW = datetime(2026, 12, 2, 11, 18, 0, tzinfo=UTC)
ENDS = int(datetime(2026, 12, 2, 12, 0, 0, tzinfo=UTC).timestamp())
ACT = {"sub": "7", "name": "Adam Admin"}
REASON = "Ticket #4411: cannot see shared todos"
# Not pages a signed-in user browses: machine endpoints, the sign-in round trip, assets, the signed-out landing.
# /inspector/access-token is a POST form's address: its GET only redirects to the inspector.
NOT_PAGES = (
    "/api/",
    "/auth/",
    "/static/",
    "/theme.css",
    "/signed-out",
    "/healthz",
    "/readyz",
    "/metrics",
    "/inspector/access-token",
)


@pytest.fixture
def acme(acme_app, fake_provider):
    return fake_provider(acme_app)


@pytest.fixture
def frozen():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture
def impersonated(acme, frozen, open_session):
    """A browser in which Adam Admin acts as Mia Member (email mia@example.com), with one shared todo in ORG."""

    def make(**claims):
        browser = acme.test_client()
        open_session(
            acme,
            browser,
            sub=MEMBER.sub,
            name=MEMBER.name,
            email="mia@example.com",
            orgs=MEMBER.orgs,
            # A second factor just now, so the step-up page (delete-mine) opens too.
            acr=MFA_ACR,
            amr=["pwd", "otp"],
            auth_time=int(time.time()),
            **{"act": ACT, "impersonation": {"reason": REASON, "expires_at": ENDS}} | claims,
        )
        with browser.session_transaction() as session:
            session["active_org_id"] = ORG
        return browser

    with acme.app_context():
        make.todo_id = services.create_todo(
            "acme", MEMBER.viewer, ORG, {"title": "Report", "visibility": "org"}, utcnow()
        ).id
        db.session.remove()
    return make


def banner(page: str) -> str | None:
    """The banner's text with tags and runs of whitespace collapsed, or None without a banner."""
    found = re.search(r'<aside class="impersonation-banner".*?</aside>', page, re.S)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", found.group(0))).strip() if found else None


def every_page(app, todo_id: str) -> list[str]:
    """Every GET page of the tenant site, from its URL map (a page added later is walked too)."""
    urls = []
    for rule in app.url_map.iter_rules():
        if "GET" not in rule.methods or rule.rule.startswith(NOT_PAGES):
            continue
        urls.append(rule.rule.replace("<todo_id>", todo_id))
    return sorted(urls)


def test_every_page_shows_who_acts_as_whom_why_and_how_long(acme, impersonated):
    browser = impersonated()
    pages = every_page(acme, impersonated.todo_id)
    assert {"/", "/todos/", "/todos/new", "/inspector", "/todos/delete-mine"} <= set(pages)
    assert f"/todos/{impersonated.todo_id}/edit" in pages
    for url in pages:
        response = browser.get(url)
        assert response.status_code == 200, url
        assert banner(response.get_data(as_text=True)) == (
            "Adam Admin is signed in as Mia Member (mia@example.com) — reason: “Ticket #4411: cannot see shared "
            "todos” — 42 minutes left Stop impersonating"
        ), url


def test_error_pages_show_it_too(impersonated):
    response = impersonated().get("/todos/" + "x" * 22)
    assert response.status_code == 404
    assert "Adam Admin is signed in as Mia Member" in banner(response.get_data(as_text=True))


def test_stop_links_to_the_issuers_impersonation_page(acme, impersonated):
    page = impersonated().get("/todos/").get_data(as_text=True)
    issuer = acme.config["TENANT"].issuer
    assert f'<a class="button impersonation-stop" href="{issuer}/impersonation">Stop impersonating</a>' in page


def test_the_banner_is_announced_to_assistive_technology(impersonated):
    page = impersonated().get("/").get_data(as_text=True)
    assert '<aside class="impersonation-banner" aria-label="Impersonation">' in page
    assert '<p role="status">' in page


@pytest.mark.parametrize(
    ("now", "left"),
    [
        (datetime(2026, 12, 2, 11, 59, 1, tzinfo=UTC), "1 minute left"),
        (datetime(2026, 12, 2, 12, 0, 0, tzinfo=UTC), "ending"),
        # Past the end, until the provider's back-channel logout arrives: never a negative count.
        (datetime(2026, 12, 2, 12, 3, 0, tzinfo=UTC), "ending"),
    ],
)
def test_the_time_left_counts_down_to_ending(impersonated, frozen, now, left):
    frozen.move_to(now)
    assert banner(impersonated().get("/").get_data(as_text=True)).endswith(f"— {left} Stop impersonating")


def test_a_bare_act_names_the_admin_by_id(impersonated):
    browser = impersonated(act={"sub": "7"}, impersonation=None)
    assert banner(browser.get("/").get_data(as_text=True)) == (
        "An admin (id 7) is signed in as Mia Member (mia@example.com) — until stopped Stop impersonating"
    )


def test_the_reason_is_text_not_markup(impersonated):
    page = impersonated(impersonation={"reason": "<script>x()</script>", "expires_at": ENDS}).get("/")
    assert "&lt;script&gt;x()&lt;/script&gt;" in page.get_data(as_text=True)


def test_no_act_no_banner(acme, frozen, open_session):
    browser = acme.test_client()
    open_session(acme, browser, sub=MEMBER.sub, name=MEMBER.name, orgs=MEMBER.orgs)
    for url in ("/", "/todos/", "/inspector"):
        page = browser.get(url).get_data(as_text=True)
        assert "impersonation-banner" not in page and "Stop impersonating" not in page
