"""OpenID Back-Channel Logout 1.0, tenant side: every rule of §2.6 refuses with 400; a valid token ends the session."""

import base64
import json
import logging
import time

import pytest
from joserfc.jwk import OctKey, RSAKey
from sqlalchemy import select

from tenants.extensions import db
from tenants.site.models import TenantSession

ENDPOINT = "/auth/backchannel-logout"


@pytest.fixture
def acme(acme_app, fake_provider):
    return fake_provider(acme_app)


def signed_in(app, client) -> bool:
    return "Signed in as" in client.get("/").get_data(as_text=True)


def test_a_valid_logout_token_ends_the_matching_session(acme, open_session, logout_token):
    browser = acme.test_client()
    open_session(acme, browser, sub="user-1", sid="op-session-1")
    assert signed_in(acme, browser)

    response = acme.test_client().post(ENDPOINT, data={"logout_token": logout_token(acme)})

    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    assert not signed_in(acme, browser)


def test_only_the_named_provider_session_ends(acme, open_session, logout_token):
    first, second = acme.test_client(), acme.test_client()
    open_session(acme, first, sid="op-session-1")
    open_session(acme, second, sid="op-session-2")

    acme.test_client().post(ENDPOINT, data={"logout_token": logout_token(acme, sid="op-session-1")})

    assert not signed_in(acme, first)
    assert signed_in(acme, second)


def test_a_token_with_sub_only_ends_every_session_of_that_user(acme, open_session, logout_token):
    first, second = acme.test_client(), acme.test_client()
    open_session(acme, first, sid="op-session-1")
    open_session(acme, second, sid="op-session-2")

    response = acme.test_client().post(ENDPOINT, data={"logout_token": logout_token(acme, drop=("sid",))})

    assert response.status_code == 200
    assert not signed_in(acme, first) and not signed_in(acme, second)


def unsigned(token: str) -> str:
    """The same claims under an `alg: none` header and without a signature."""
    header = base64.urlsafe_b64encode(json.dumps({"alg": "none", "typ": "logout+jwt"}).encode()).rstrip(b"=").decode()
    return f"{header}.{token.split('.')[1]}."


def other_rsa_key():
    return RSAKey.generate_key(2048, parameters={"kid": "provider-key-1"})


REFUSED = {
    "bad signature (same kid, other key)": lambda build, app: build(app, key=other_rsa_key()),
    "HS256 with a shared secret": lambda build, app: build(
        app, key=OctKey.generate_key(256, parameters={"kid": "k"}), header={"alg": "HS256"}
    ),
    "alg none": lambda build, app: unsigned(build(app)),
    "wrong aud": lambda build, app: build(app, aud="globex"),
    "wrong iss": lambda build, app: build(app, iss="http://evil.example"),
    "missing events": lambda build, app: build(app, drop=("events",)),
    "events without the logout event": lambda build, app: build(app, events={"http://example.com/other": {}}),
    "a nonce": lambda build, app: build(app, nonce="n-0S6_WzA2Mj"),
    "neither sub nor sid": lambda build, app: build(app, drop=("sub", "sid")),
    "missing jti": lambda build, app: build(app, drop=("jti",)),
    "missing iat": lambda build, app: build(app, drop=("iat",)),
    "too old": lambda build, app: build(app, iat=int(time.time()) - 3600, exp=int(time.time()) + 60),
    "issued in the future": lambda build, app: build(app, iat=int(time.time()) + 3600),
    "expired": lambda build, app: build(app, exp=int(time.time()) - 3600),
    "an ID token (typ JWT)": lambda build, app: build(app, header={"typ": "JWT"}),
    "garbage": lambda build, app: "not-a-jwt",
    "empty": lambda build, app: "",
}


@pytest.mark.parametrize("case", REFUSED)
def test_invalid_logout_tokens_are_refused_and_change_nothing(acme, open_session, logout_token, case):
    browser = acme.test_client()
    open_session(acme, browser)

    response = acme.test_client().post(ENDPOINT, data={"logout_token": REFUSED[case](logout_token, acme)})

    assert response.status_code == 400
    assert response.headers["Cache-Control"] == "no-store"
    assert response.get_json()["error"] == "invalid_request"
    assert signed_in(acme, browser)


def test_a_replayed_jti_is_refused(acme, open_session, logout_token):
    token = logout_token(acme, sid="op-session-9")
    assert acme.test_client().post(ENDPOINT, data={"logout_token": token}).status_code == 200

    browser = acme.test_client()
    open_session(acme, browser, sid="op-session-9")
    replay = acme.test_client().post(ENDPOINT, data={"logout_token": token})

    assert replay.status_code == 400
    assert signed_in(acme, browser)


def test_the_endpoint_takes_no_get_and_needs_no_csrf_token(acme, logout_token):
    assert acme.test_client().get(ENDPOINT).status_code == 405
    assert acme.test_client().post(ENDPOINT, data={"logout_token": logout_token(acme)}).status_code == 200


def test_a_logout_token_ends_no_session_of_another_issuer(acme, open_session, logout_token):
    ours, theirs = acme.test_client(), acme.test_client()
    open_session(acme, ours, sid="op-session-1")
    open_session(acme, theirs, sid="op-session-1")
    with theirs.session_transaction() as session:
        session["iss"] = "https://id.other.example"  # the same sub and sid, from another issuer

    acme.test_client().post(ENDPOINT, data={"logout_token": logout_token(acme, drop=("sid",))})

    with acme.app_context():
        left = list(db.session.scalars(select(TenantSession.iss).where(TenantSession.sub == "user-1")))
    assert left == ["https://id.other.example"], "only the session of the token's issuer ended"


def test_a_refused_logout_token_is_logged_with_its_reason(acme, logout_token, caplog):
    with caplog.at_level(logging.WARNING, logger="tenants.signin.views"):
        acme.test_client().post(ENDPOINT, data={"logout_token": logout_token(acme, aud="globex")})

    assert [r.getMessage() for r in caplog.records] == ["Back-channel logout refused: issued for another audience"]
