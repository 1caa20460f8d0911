"""SPEC §2.7 at the tenant: the `act` and `impersonation` claims read at sign-in and refresh, or refused."""

from datetime import datetime

import pytest

from tenants.signin import identity
from tenants.signin.impersonation import (
    Impersonation,
    MalformedImpersonation,
    impersonation_from_claims,
    minutes_left,
    stop_url,
    time_left_text,
)

ENDS = 1_796_212_800  # 2026-12-02 12:00:00 UTC
ACT = {"sub": "7", "name": "Adam Admin"}
DETAILS = {"reason": "Ticket #4411: cannot see shared todos", "expires_at": ENDS}


@pytest.fixture
def acme(acme_app, fake_provider):
    return fake_provider(acme_app)


def test_act_with_its_details_is_an_impersonation():
    assert impersonation_from_claims({"sub": "user-1", "act": ACT, "impersonation": DETAILS}) == Impersonation(
        actor_sub="7",
        actor_name="Adam Admin",
        reason="Ticket #4411: cannot see shared todos",
        expires_at=datetime(2026, 12, 2, 12, 0, 0),
    )


def test_a_bare_rfc_8693_act_is_an_impersonation_without_details():
    found = impersonation_from_claims({"act": {"sub": "7"}})
    assert found == Impersonation(actor_sub="7")
    assert found.actor_label == "An admin (id 7)"


def test_a_nested_act_names_the_actor_acting_now():
    assert impersonation_from_claims({"act": {"sub": "7", "act": {"sub": "earlier"}}}).actor_sub == "7"


@pytest.mark.parametrize("claims", [{}, {"sub": "user-1", "name": "Alice"}, {"act": None}])
def test_no_act_is_no_impersonation(claims):
    assert impersonation_from_claims(claims) is None


@pytest.mark.parametrize(
    "claims",
    [
        {"act": "7"},
        {"act": ["7"]},
        {"act": {}},
        {"act": {"sub": 7}},
        {"act": {"sub": ""}},
        {"act": {"sub": "   "}},
        {"act": {"sub": "x" * 256}},
        {"act": {"sub": "7\x00"}},
        {"act": {"sub": "7", "name": 42}},
        {"act": {"sub": "7", "name": "Adam\nAdmin"}},
        {"act": ACT, "impersonation": "because"},
        {"act": ACT, "impersonation": {"reason": 1}},
        {"act": ACT, "impersonation": {"reason": "x" * 1001}},
        {"act": ACT, "impersonation": {"reason": "bell\x07"}},
        {"act": ACT, "impersonation": {"expires_at": "soon"}},
        {"act": ACT, "impersonation": {"expires_at": 1.5}},
        {"act": ACT, "impersonation": {"expires_at": True}},
        {"act": ACT, "impersonation": {"expires_at": 10**20}},
        {"impersonation": DETAILS},  # details without an actor
    ],
)
def test_a_misshapen_claim_is_malformed(claims):
    with pytest.raises(MalformedImpersonation):
        impersonation_from_claims(claims)


def test_a_reason_may_span_lines():
    assert impersonation_from_claims({"act": ACT, "impersonation": {"reason": "one\ntwo"}}).reason == "one\ntwo"


@pytest.mark.parametrize(
    ("now", "minutes", "text"),
    [
        (datetime(2026, 12, 2, 11, 18, 0), 42, "42 minutes left"),
        (datetime(2026, 12, 2, 11, 58, 30), 2, "2 minutes left"),  # a part minute counts as a minute
        (datetime(2026, 12, 2, 11, 59, 1), 1, "1 minute left"),
        (datetime(2026, 12, 2, 12, 0, 0), 0, "ending"),
        (datetime(2026, 12, 2, 13, 0, 0), 0, "ending"),  # never negative
    ],
)
def test_time_left_counts_down_to_ending(now, minutes, text):
    acting = Impersonation(actor_sub="7", expires_at=datetime(2026, 12, 2, 12, 0, 0))
    assert minutes_left(acting, now) == minutes
    assert time_left_text(acting, now) == text


def test_without_an_end_it_lasts_until_stopped():
    acting = Impersonation(actor_sub="7")
    assert minutes_left(acting, datetime(2026, 12, 2)) is None
    assert time_left_text(acting, datetime(2026, 12, 2)) == "until stopped"


def test_stop_is_the_issuers_impersonation_page():
    assert stop_url("http://localhost:5000") == "http://localhost:5000/impersonation"
    assert stop_url("https://id.example/") == "https://id.example/impersonation"


def test_sign_in_keeps_the_claims_in_the_local_session(acme, provider_sign_in):
    browser = acme.test_client()
    response = provider_sign_in(acme, browser, act=ACT, impersonation=DETAILS)
    assert response.status_code == 302
    with browser.session_transaction() as session:
        assert session["claims"]["act"] == ACT
        assert session["claims"]["impersonation"] == DETAILS


@pytest.mark.parametrize("act", [{"sub": 7, "name": "Adam Admin"}, "7", {}])
def test_sign_in_with_a_malformed_act_is_refused_with_a_clear_page(acme, provider_sign_in, act):
    browser = acme.test_client()
    response = provider_sign_in(acme, browser, act=act, impersonation=DETAILS)
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "Sign-in refused" in page and "administrator is acting as this account" in page
    with browser.session_transaction() as session:
        assert "sub" not in session, "nobody is signed in"


def test_a_plain_sign_in_is_no_impersonation(acme, provider_sign_in):
    browser = acme.test_client()
    assert provider_sign_in(acme, browser).status_code == 302
    assert "Stop impersonating" not in browser.get("/").get_data(as_text=True)


class UserInfo:
    """Stand-in for the provider during a refresh: new tokens, then this userinfo."""

    def __init__(self, info: dict):
        self.info = info

    def fetch_access_token(self, **params):
        return {"access_token": "at-2", "expires_in": 300}

    def load_server_metadata(self):
        return {"userinfo_endpoint": "http://localhost:5000/oauth/userinfo"}

    def userinfo(self, token):
        return self.info


def refresh_with(acme, monkeypatch, claims: dict, info: dict) -> dict:
    """Run the refresh's userinfo step on a session holding claims; return the claims it keeps."""
    monkeypatch.setattr(identity, "provider", lambda: UserInfo(info))
    with acme.test_request_context():
        identity.session.update({"sub": "user-1", "claims": dict(claims)})
        identity._refresh_with_provider("rt")
        return identity.session["claims"]


def test_a_refresh_updates_the_details_of_the_same_actor(acme, monkeypatch):
    later = {"reason": "Ticket #4411", "expires_at": ENDS + 600}
    kept = refresh_with(
        acme,
        monkeypatch,
        {"sub": "user-1", "act": ACT, "impersonation": DETAILS},
        {"sub": "user-1", "act": ACT, "impersonation": later},
    )
    assert kept["impersonation"] == later


def test_a_userinfo_without_act_does_not_erase_the_actor(acme, monkeypatch):
    kept = refresh_with(acme, monkeypatch, {"sub": "user-1", "act": ACT, "impersonation": DETAILS}, {"sub": "user-1"})
    assert kept["act"] == ACT and kept["impersonation"] == DETAILS


@pytest.mark.parametrize(
    ("before", "info_act"),
    [
        (ACT, {"sub": "8", "name": "Eve"}),  # another actor
        (ACT, {"sub": 7}),  # malformed
        (None, ACT),  # a session cannot become impersonated
    ],
)
def test_a_userinfo_contradicting_the_sign_in_fails_the_refresh(acme, monkeypatch, before, info_act):
    claims = {"sub": "user-1"} | ({"act": before} if before else {})
    with pytest.raises(MalformedImpersonation):
        refresh_with(acme, monkeypatch, claims, {"sub": "user-1", "act": info_act})


def test_a_session_holding_a_malformed_act_is_ended(acme, open_session):
    browser = acme.test_client()
    open_session(acme, browser, act={"sub": 7})
    assert "Signed in as" not in browser.get("/").get_data(as_text=True)
    with browser.session_transaction() as session:
        assert "sub" not in session
