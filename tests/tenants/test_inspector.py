"""SPEC §3.4, issue 12: the flow inspector explains each claim and time, draws the flow, links the other tenant's
inspector to compare the `sid`, explains an impersonation, and shows the access token in development only."""

import base64
import json
import re
from datetime import UTC, datetime
from pathlib import Path

import pytest
import time_machine

from tenants.inspector.claims import UNKNOWN, claim_rows, explain
from tenants.inspector.sequence import (
    ACCOUNTS,
    BROWSER,
    NARROW,
    TENANT,
    WIDE,
    FlowValues,
    layout,
    numbered_steps,
    text_width,
    wrap,
)
from tenants.inspector.siblings import sibling_tenants
from tenants.inspector.times import Moment, moment_of, relative_text, utc_text
from tenants.inspector.token_reveal import peek_claims, token_reveal_allowed
from tenants.signin.identity import KEPT_CLAIMS
from tenants.signin.tokens import get_token_set
from tenants.site.settings import load_settings
from tests.conftest import submit

ENDS = int(datetime(2026, 12, 2, 12, 0, 0, tzinfo=UTC).timestamp())


@pytest.fixture
def acme(acme_app, fake_provider):
    return fake_provider(acme_app)


def inspector(acme, open_session, **claims) -> str:
    browser = acme.test_client()
    open_session(acme, browser, sub="user-1", **claims)
    page = browser.get("/inspector")
    assert page.status_code == 200
    return re.sub(r"\s+", " ", page.get_data(as_text=True))


def test_it_explains_act_and_impersonation(acme, open_session):
    with time_machine.travel(datetime(2026, 12, 2, 11, 18, 0, tzinfo=UTC), tick=False):
        page = inspector(
            acme,
            open_session,
            act={"sub": "7", "name": "Adam Admin"},
            impersonation={"reason": "Ticket #4411", "expires_at": ENDS},
        )
    assert "<strong>Active</strong>: Adam Admin is acting as this user" in page
    assert "RFC 8693 §4.1: <code>sub</code> stays the impersonated user" in page
    assert "<dt>Acting admin (<code>act.sub</code>)</dt><dd><code>7</code></dd>" in page
    assert "<dt>Acting as (<code>sub</code>)</dt><dd><code>user-1</code></dd>" in page
    assert "<dt>Reason (<code>impersonation.reason</code>)</dt><dd>Ticket #4411</dd>" in page
    assert "<dd>2026-12-02 12:00:00 UTC (42 minutes left)</dd>" in page
    stop = f"{acme.config['TENANT'].issuer}/impersonation"
    assert f'<a href="{stop}">{stop}</a>' in page


def test_without_act_it_says_none(acme, open_session):
    page = inspector(acme, open_session)
    assert "None: no <code>act</code> claim" in page
    assert "act.sub" not in page


# --- Times for people (tenants/inspector/times.py) ---------------------------------------------------------

NOW = int(datetime(2026, 12, 3, 13, 40, 0, tzinfo=UTC).timestamp())


@pytest.mark.parametrize(
    ("seconds", "text"),
    [
        (0, "now"),
        (42, "in 42 s"),
        (250, "in 4 min 10 s"),
        (300, "in 5 min"),
        (-120, "2 min ago"),
        (-59, "59 s ago"),
        (3600, "in 1 h"),
        (3725, "in 1 h 2 min"),
        (-90_061, "1 d 1 h ago"),
        (14 * 86_400, "in 14 d"),
    ],
)
def test_relative_text(seconds, text):
    assert relative_text(seconds) == text


def test_a_moment_is_its_raw_value_its_utc_time_and_how_far_from_now():
    assert moment_of(NOW + 250, NOW) == Moment(raw=NOW + 250, utc="2026-12-03 13:44:10 UTC", relative="in 4 min 10 s")
    assert moment_of(NOW - 120, NOW).relative == "2 min ago"
    assert utc_text(datetime(2026, 12, 3, 9, 5, 7)) == "2026-12-03 09:05:07 UTC"


@pytest.mark.parametrize("value", ["1796305525", None, True, 10**20, float("nan"), [1]])
def test_a_value_that_is_not_a_numeric_date_has_no_moment(value):
    assert moment_of(value, NOW) is None


# --- Claim explanations (tenants/inspector/claims.py) -------------------------------------------------------


def test_every_claim_a_session_keeps_is_explained_with_its_source():
    for claim in (*KEPT_CLAIMS, "orgs", "nonce", "azp", "at_hash", "jti", "nbf"):
        explanation = explain(claim)
        assert explanation is not UNKNOWN, claim
        assert explanation.text.endswith(".") and len(explanation.text) < 120, claim
        assert explanation.source, claim


def test_an_unknown_claim_says_so():
    assert explain("x-custom") is UNKNOWN


def test_claim_rows_give_times_to_the_time_claims_only():
    rows = {row.name: row for row in claim_rows({"exp": NOW + 300, "iat": NOW - 5, "sub": "42", "orgs": []}, NOW)}
    assert list(rows) == ["exp", "iat", "orgs", "sub"]
    assert rows["exp"].moment.relative == "in 5 min" and rows["iat"].moment.relative == "5 s ago"
    assert rows["sub"].moment is None and rows["sub"].explanation is explain("sub")


# --- The sequence diagram (tenants/inspector/sequence.py) ---------------------------------------------------

VALUES = FlowValues(
    tenant_name="Acme",
    tenant_url="http://localhost:5001",
    issuer="http://localhost:5000",
    client_id="acme",
    redirect_uri="http://localhost:5001/auth/callback",
    scope="openid profile email orgs todos:read todos:write offline_access",
    code_challenge_method="S256",
    audience="http://localhost:5001",
    sid="Xc2-sid-of-the-accounts-session",
)
PARTY = {"U": BROWSER, "T": TENANT, "A": ACCOUNTS}
MESSAGE = re.compile(r"^\s*([UTA])(--?)>>([UTA]):")


def documented_messages() -> list[tuple[str, str, bool]]:
    """(source, target, is a reply) of every message in docs/oidc.md's mermaid sequence."""
    doc = (Path(__file__).resolve().parents[2] / "docs" / "oidc.md").read_text()
    block = doc.split("```mermaid", 1)[1].split("```", 1)[0]
    found = [MESSAGE.match(line) for line in block.splitlines()]
    return [(PARTY[m.group(1)], PARTY[m.group(3)], m.group(2) == "--") for m in found if m]


def test_the_diagram_has_docs_oidc_md_messages_in_order():
    drawn = [(step.source, step.target, step.reply) for _, step, _ in numbered_steps(VALUES)]
    assert len(drawn) == 24
    assert drawn == documented_messages()


@pytest.mark.parametrize("width", [WIDE, NARROW])
def test_every_shape_stays_inside_the_picture(width):
    diagram = layout(VALUES, width)
    assert sorted(b.number for b in diagram.badges) == list(range(1, 25))
    for text in diagram.texts:
        size = text_width(text.text, text.kind)
        left = {"start": text.x, "end": text.x - size, "middle": text.x - size / 2}[text.anchor]
        assert left >= 0 and left + size <= width, (text, size)
        assert 0 < text.y < diagram.height
    for shape in (*diagram.arrows, *diagram.badges):
        assert 0 < shape.y < diagram.height
    assert all(
        lane.x - diagram.lane_width / 2 >= 0 and lane.x + diagram.lane_width / 2 <= width for lane in diagram.lanes
    )


def test_the_diagram_shows_this_sessions_values():
    drawn = " ".join(text.text for text in layout(VALUES, WIDE).texts)
    for value in ("client_id=acme", "redirect_uri=http://localhost:5001/auth/callback", "code_challenge_method=S256"):
        assert value in drawn
    assert "sid=Xc2-sid-of-the-accounts-session" in drawn
    assert [lane.note for lane in layout(VALUES).lanes] == ["you", "localhost:5001", "localhost:5000"]


def test_a_long_url_wraps_after_a_slash_and_nothing_is_lost():
    lines = wrap("to https://todos.example.com/a/very/long/path/auth/callback", 200, "detail")
    assert all(text_width(line, "detail") <= 200 for line in lines)
    assert " ".join(lines).replace("/ ", "/") == "to https://todos.example.com/a/very/long/path/auth/callback"
    assert len(lines) > 2 and all(line.endswith("/") for line in lines[1:-1]), lines  # broken after slashes only


# --- The other tenants, the token reveal rule ---------------------------------------------------------------


def test_the_other_tenant_of_the_same_provider_is_a_sibling(monkeypatch):
    acme = load_settings("acme")
    assert [other.slug for other in sibling_tenants(acme)] == ["globex"]
    monkeypatch.setenv("GLOBEX_ISSUER", "https://another-provider.example")
    assert sibling_tenants(acme) == []  # another provider's sid says nothing about this session


@pytest.mark.parametrize(("env", "allowed"), [("development", True), ("testing", True), ("production", False)])
def test_the_access_token_is_shown_outside_production_only(env, allowed):
    assert token_reveal_allowed(env) is allowed


def test_peek_claims_reads_a_jwt_payload_and_nothing_else():
    payload = base64.urlsafe_b64encode(json.dumps({"aud": "x", "scope": "todos:read"}).encode()).rstrip(b"=").decode()
    assert peek_claims(f"h.{payload}.s") == {"aud": "x", "scope": "todos:read"}
    assert peek_claims("at-opaque") == {} and peek_claims("a.!!!.c") == {} and peek_claims("a.bnVsbA.c") == {}


# --- The page ------------------------------------------------------------------------------------------------


def test_the_page_explains_claims_with_times_draws_the_flow_and_links_the_other_inspector(acme, open_session):
    with time_machine.travel(datetime.fromtimestamp(NOW, UTC), tick=False):
        page = inspector(acme, open_session, exp=NOW + 250, iat=NOW - 50, auth_time=NOW - 120, amr=["pwd"])
    assert "Who issued the token" in page and "RFC 8176 §2" in page
    assert '<span class="when">in 4 min 10 s · 2026-12-03 13:44:10 UTC</span>' in page
    assert '<span class="when">2 min ago · 2026-12-03 13:38:00 UTC</span>' in page  # auth_time
    assert (
        page.count('role="img"') == 2 and 'aria-labelledby="flow-wide-title" aria-describedby="flow-wide-desc"' in page
    )
    assert '<title id="flow-wide-title">Sequence diagram' in page and '<desc id="flow-wide-desc">' in page
    assert "sid=op-session-1" in page
    globex = load_settings("globex")
    assert f'<a href="{globex.url}/inspector">open Globex\'s flow inspector</a>' in page
    same = "It shows the same <code>sid</code>, <code>op-session-1</code>, because both sites signed in through one"
    assert f"{same} Accounts session" in page
    assert 'href="/docs/api"' in page


def test_the_token_is_shown_on_explicit_request_only_and_never_cached(acme, open_session):
    browser = acme.test_client()
    token_set_id = open_session(acme, browser)
    page = browser.get("/inspector").get_data(as_text=True)
    with acme.app_context():
        token = get_token_set(token_set_id, "acme").access_token
    assert token not in page and "Show access token" in page
    shown = submit(browser, "/inspector/access-token", {}, form_url="/inspector")
    assert shown.status_code == 200 and shown.headers["Cache-Control"] == "no-store"
    assert token in shown.get_data(as_text=True)
    assert browser.get("/inspector/access-token").status_code == 302  # a GET shows nothing


def test_the_token_reveal_is_refused_in_production(acme_app, fake_provider, open_session):
    acme_app.config["GATEHOUSE_ENV"] = "production"
    app = fake_provider(acme_app)
    browser = app.test_client()
    open_session(app, browser)
    page = browser.get("/inspector").get_data(as_text=True)
    assert "Show access token" not in page and "Access tokens stay on the server here" in page
    assert submit(browser, "/inspector/access-token", {}, form_url="/inspector").status_code == 404


def test_the_token_reveal_needs_a_csrf_token(acme, open_session):
    browser = acme.test_client()
    open_session(acme, browser)
    assert browser.post("/inspector/access-token").status_code == 400
