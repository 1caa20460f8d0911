"""Security events pushed to a tenant (RFC 8417 SETs over RFC 8935): every refusal, and what an accepted one changes."""

import base64
import json
import time

import pytest
from joserfc.jwk import OctKey, RSAKey
from sqlalchemy import select

from common import security_event_types as types
from tenants.extensions import db
from tenants.signin import security_events as se
from tenants.signin.models import ReceivedSecurityEvent, SubjectNotBefore
from tenants.site.models import TenantSession
from tests.tenants.people import MEMBER, ORG

ENDPOINT = "/auth/security-events"
SET_TYPE = "application/secevent+jwt"
NEW_ORGS = [{"id": "p-user-1", "slug": "p-user-1", "name": "Personal", "role": "owner", "personal": True}]


@pytest.fixture
def acme(acme_app, fake_provider):
    return fake_provider(acme_app)


def push(app, token: str, content_type: str = SET_TYPE):
    return app.test_client().post(ENDPOINT, data=token, content_type=content_type)


def session_claims(app, sub: str = "user-1") -> list[dict]:
    with app.app_context():
        rows = db.session.scalars(select(TenantSession).where(TenantSession.sub == sub))
        return [row.data.get("claims", {}) for row in rows]


def state(app) -> tuple:
    """Everything a SET could change: session claims, events seen, not-before rows."""
    with app.app_context():
        sessions = sorted(json.dumps(r.data, sort_keys=True) for r in db.session.scalars(select(TenantSession)))
        seen = len(list(db.session.scalars(select(ReceivedSecurityEvent))))
        not_before = len(list(db.session.scalars(select(SubjectNotBefore))))
    return sessions, seen, not_before


def unsigned(token: str) -> str:
    header = base64.urlsafe_b64encode(json.dumps({"alg": "none", "typ": "secevent+jwt"}).encode()).rstrip(b"=")
    return f"{header.decode()}.{token.split('.')[1]}."


REFUSED = {
    "bad signature (same kid, other key)": (
        "invalid_key",
        lambda build, app: build(app, key=RSAKey.generate_key(2048, parameters={"kid": "provider-key-1"})),
    ),
    "HS256 with a shared secret": (
        "invalid_key",
        lambda build, app: build(app, key=OctKey.generate_key(256, parameters={"kid": "k"}), header={"alg": "HS256"}),
    ),
    "alg none": ("invalid_key", lambda build, app: unsigned(build(app))),
    "garbage": ("invalid_request", lambda build, app: "not-a-jwt"),
    "wrong aud": ("invalid_audience", lambda build, app: build(app, aud="globex")),
    "wrong iss": ("invalid_issuer", lambda build, app: build(app, iss="http://evil.example")),
    "subject of another issuer": (
        "invalid_issuer",
        lambda build, app: build(app, sub_id={"format": "iss_sub", "iss": "http://evil.example", "sub": "user-1"}),
    ),
    "unknown event": ("invalid_request", lambda build, app: build(app, event="https://example.com/event/other")),
    "two events": ("invalid_request", lambda build, app: build(app, events={types.CLAIMS_CHANGED: {}, types.RISC: {}})),
    "orgs not a list": (
        "invalid_request",
        lambda build, app: build(app, payload={"claims": {"orgs": "initech"}}),
    ),
    "no events": ("invalid_request", lambda build, app: build(app, drop=("events",))),
    "no jti": ("invalid_request", lambda build, app: build(app, drop=("jti",))),
    "no subject": ("invalid_request", lambda build, app: build(app, drop=("sub_id",))),
    "too old": ("invalid_request", lambda build, app: build(app, iat=int(time.time()) - 3600)),
    "issued in the future": ("invalid_request", lambda build, app: build(app, iat=int(time.time()) + 3600)),
    "a logout token (typ logout+jwt)": ("invalid_request", lambda build, app: build(app, header={"typ": "logout+jwt"})),
    "oversized body": (
        "invalid_request",
        lambda build, app: build(app, payload={"claims": {"orgs": NEW_ORGS * 400}}),
    ),
}


@pytest.mark.parametrize("case", REFUSED)
def test_every_invalid_set_is_refused_with_the_rfc_8935_error_and_changes_nothing(
    acme, open_session, security_event, case
):
    open_session(acme, acme.test_client(), orgs=MEMBER.orgs)
    before = state(acme)
    err, build = REFUSED[case]

    def claims_change(app, **overrides):
        overrides.setdefault("payload", {"claims": {"orgs": NEW_ORGS}})
        return security_event(app, **overrides)

    response = push(acme, build(claims_change, acme))

    assert response.status_code == 400
    body = response.get_json()
    assert body["err"] == err and body["description"]
    assert response.headers["Cache-Control"] == "no-store"
    assert state(acme) == before


def test_a_replayed_jti_is_refused_and_changes_nothing(acme, open_session, security_event):
    token = security_event(acme, payload={"claims": {"orgs": NEW_ORGS}})
    assert push(acme, token).status_code == 202
    open_session(acme, acme.test_client(), orgs=MEMBER.orgs)
    before = state(acme)

    replay = push(acme, token)

    assert replay.status_code == 400 and replay.get_json()["err"] == "invalid_request"
    assert "replayed" in replay.get_json()["description"]
    assert state(acme) == before


def test_a_set_must_come_as_application_secevent_jwt(acme, security_event):
    response = push(acme, security_event(acme), content_type="application/x-www-form-urlencoded")
    assert response.status_code == 400 and response.get_json()["err"] == "invalid_request"


def test_the_endpoint_takes_no_get(acme):
    assert acme.test_client().get(ENDPOINT).status_code == 405


def test_claims_change_updates_the_orgs_of_every_live_session_of_that_user(acme, open_session, security_event):
    open_session(acme, acme.test_client(), sid="s1", orgs=MEMBER.orgs)
    open_session(acme, acme.test_client(), sid="s2", orgs=MEMBER.orgs)
    open_session(acme, acme.test_client(), sub="someone-else", orgs=MEMBER.orgs)

    response = push(acme, security_event(acme, payload={"claims": {"orgs": NEW_ORGS}}))

    assert response.status_code == 202
    assert [c["orgs"] for c in session_claims(acme)] == [NEW_ORGS, NEW_ORGS]
    assert [c["orgs"] for c in session_claims(acme, "someone-else")] == [MEMBER.orgs]


def test_the_member_page_loses_the_org_at_once(acme, open_session, security_event):
    browser = acme.test_client()
    open_session(acme, browser, orgs=MEMBER.orgs)
    assert "Initech" in browser.get("/todos/").get_data(as_text=True)

    push(acme, security_event(acme, payload={"claims": {"orgs": NEW_ORGS}}))

    assert "Initech" not in browser.get("/todos/").get_data(as_text=True)


def test_an_access_token_issued_before_the_change_is_refused(acme, security_event, access_token, api):
    token = access_token(acme, sub="user-1", orgs=MEMBER.orgs)
    assert api(acme, "GET", f"/api/v1/orgs/{ORG}/todos", token).status_code == 200

    push(acme, security_event(acme, payload={"claims": {"orgs": NEW_ORGS}}))

    refused = api(acme, "GET", f"/api/v1/orgs/{ORG}/todos", token)
    assert refused.status_code == 401
    assert "before a change" in refused.headers["WWW-Authenticate"]
    later = access_token(acme, sub="user-1", orgs=NEW_ORGS, iat=int(time.time()) + 2)
    assert api(acme, "GET", "/api/v1/orgs/p-user-1/todos", later).status_code == 200
    other = access_token(acme, sub="someone-else", orgs=MEMBER.orgs)
    assert api(acme, "GET", f"/api/v1/orgs/{ORG}/todos", other).status_code == 200


def complex_subject(app, sid: str) -> dict:
    issuer = app.config["TENANT"].issuer
    return {
        "format": "complex",
        "user": {"format": "iss_sub", "iss": issuer, "sub": "user-1"},
        "session": {"format": "opaque", "id": sid},
    }


def test_session_revoked_ends_the_named_provider_session_only(acme, open_session, security_event):
    first, second = acme.test_client(), acme.test_client()
    open_session(acme, first, sid="op-1")
    open_session(acme, second, sid="op-2")

    response = push(acme, security_event(acme, event=types.SESSION_REVOKED, sub_id=complex_subject(acme, "op-1")))

    assert response.status_code == 202
    with acme.app_context():
        left = list(db.session.scalars(select(TenantSession.op_sid).where(TenantSession.sub == "user-1")))
    assert left == ["op-2"]


def test_account_disabled_ends_every_session_of_the_user(acme, open_session, security_event):
    open_session(acme, acme.test_client(), sid="op-1")
    open_session(acme, acme.test_client(), sid="op-2")

    assert push(acme, security_event(acme, event=types.ACCOUNT_DISABLED)).status_code == 202

    assert session_claims(acme) == []


def test_an_older_claims_change_retried_late_does_not_undo_a_newer_one(acme, open_session, security_event):
    open_session(acme, acme.test_client(), orgs=MEMBER.orgs)
    now = int(time.time())
    push(acme, security_event(acme, payload={"event_timestamp": now, "claims": {"orgs": NEW_ORGS}}))

    push(acme, security_event(acme, payload={"event_timestamp": now - 60, "claims": {"orgs": MEMBER.orgs}}))

    assert [c["orgs"] for c in session_claims(acme)] == [NEW_ORGS]


def test_recent_events_lists_what_was_received_newest_first(acme, security_event):
    push(acme, security_event(acme, payload={"claims": {"orgs": NEW_ORGS}}))
    push(acme, security_event(acme, event=types.CREDENTIAL_CHANGED, payload={"change_type": "update"}))

    with acme.app_context():
        events = se.recent_events("acme", "user-1")

    assert [e["event"] for e in events] == ["credential-change", "token-claims-change"]
    assert events[1]["summary"] == "token-claims-change: orgs"


def test_a_set_as_accounts_signs_it_is_accepted(acme, open_session, provider_key):
    from joserfc.jwk import KeySet

    from accounts.security_events import tokens

    open_session(acme, acme.test_client(), orgs=MEMBER.orgs)
    tenant = acme.config["TENANT"]
    raw = tokens.security_event_token(
        issuer=tenant.issuer,
        audience=tenant.client_id,
        jti=tokens.new_jti(),
        subject=tokens.subject_id(tenant.issuer, "user-1"),
        event=types.CLAIMS_CHANGED,
        payload={"event_timestamp": int(time.time()), "claims": {"orgs": NEW_ORGS}},
        keyset=KeySet([provider_key]),
        now=int(time.time()),
    )

    assert push(acme, raw).status_code == 202
    assert [c["orgs"] for c in session_claims(acme)] == [NEW_ORGS]
