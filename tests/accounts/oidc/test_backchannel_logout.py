"""OpenID Connect Back-Channel Logout 1.0, sending side: every way an Accounts session ends logs out
every client that got tokens in it, with a logout token that passes the checks of §2.6."""

import logging
import threading
import time

import pytest
import requests
import time_machine
from joserfc import jwt
from werkzeug.serving import make_server
from werkzeug.wrappers import Request, Response

from accounts.extensions import db
from accounts.oidc import backchannel
from accounts.oidc.clients import find_client
from tests.conftest import PASSWORD, Auth, csrf_token, submit

from .conftest import ISSUER, Flow, signed_in_sid

EVENT = "http://schemas.openid.net/event/backchannel-logout"
# The real HTTP sender, kept before the autouse fixture replaces it with a recorder.
_real_post = backchannel.post_logout_token


def test_sign_out_sends_a_logout_token_that_passes_every_check(flow, signed_in, confidential_client, auth, backchannel):
    id_token = flow.verify(flow.tokens(confidential_client)["id_token"])
    with time_machine.travel(time.time(), tick=False):
        now = int(time.time())
        auth.sign_out()
    [posted] = backchannel.posted
    assert posted.uri == confidential_client.backchannel_logout_uri

    # §2.6 step 3 and RFC 8725: the signature checks out with the provider's published keys.
    token = flow.verify(posted.logout_token)
    header, claims = token.header, token.claims
    # §2.4: explicitly typed, so it can never be mistaken for an ID token.
    assert header["typ"] == "logout+jwt"
    assert header["alg"] == "RS256"
    assert header["kid"]
    assert claims["iss"] == ISSUER
    assert claims["aud"] == confidential_client.client_id
    assert claims["iat"] == now
    assert now < claims["exp"] <= now + 120
    assert isinstance(claims["jti"], str) and len(claims["jti"]) >= 16
    # §2.4: sub and sid identify the End-User and the session; they match the ID token's.
    assert claims["sub"] == id_token.claims["sub"] == str(signed_in.id)
    assert claims["sid"] == id_token.claims["sid"]
    # §2.4: the events claim holds exactly the logout event, with an empty object.
    assert claims["events"] == {EVENT: {}}
    # §2.4: a logout token MUST NOT contain a nonce (so it cannot be replayed as an ID token).
    assert "nonce" not in claims
    assert set(claims) == {"iss", "aud", "iat", "exp", "jti", "sub", "sid", "events"}


def test_each_logout_token_has_a_fresh_jti(flow, client, auth, user, confidential_client, register, backchannel):
    other = register("other")
    auth.sign_in("alice@example.com")
    flow.tokens(confidential_client)
    flow.tokens(other)
    auth.sign_out()
    jtis = {flow.verify(p.logout_token).claims["jti"] for p in backchannel.posted}
    assert len(jtis) == 2


def test_only_clients_that_got_tokens_in_that_session_are_told(
    accounts_app, flow, signed_in, confidential_client, register, backchannel, make_user
):
    register("idle")  # registered, but never got tokens in this session
    quiet = register("quiet", backchannel=False)
    flow.tokens(confidential_client)
    flow.tokens(quiet)

    bobs_browser = accounts_app.test_client()
    make_user("bob@example.com", name="Bob")
    Auth(bobs_browser).sign_in("bob@example.com")
    Flow(bobs_browser).tokens(register("bobs-app"))

    Auth(flow.client).sign_out()
    assert [p.uri for p in backchannel.posted] == [confidential_client.backchannel_logout_uri]


def test_a_client_is_logged_out_of_a_session_once(flow, signed_in, confidential_client, backchannel):
    flow.tokens(confidential_client)
    flow.tokens(confidential_client)
    Auth(flow.client).sign_out()
    assert len(backchannel.posted) == 1


def test_ending_a_session_revokes_its_tokens(flow, signed_in, confidential_client, client):
    tokens = flow.tokens(confidential_client)
    Auth(client).sign_out()
    assert (
        client.get("/oauth/userinfo", headers={"Authorization": f"Bearer {tokens['access_token']}"}).status_code == 401
    )


def test_revoking_a_session_from_your_sessions_logs_its_clients_out(
    accounts_app, flow, signed_in, confidential_client, backchannel
):
    flow.tokens(confidential_client)
    laptop_sid = signed_in_sid(accounts_app)
    phone = accounts_app.test_client()
    Auth(phone).sign_in("alice@example.com")
    response = phone.post(f"/sessions/{laptop_sid}/revoke", data={"csrf_token": csrf_token(phone, "/sessions/")})
    assert response.status_code == 303
    [posted] = backchannel.posted
    assert flow.verify(posted.logout_token).claims["sid"] == laptop_sid


def test_password_change_logs_out_the_other_sessions(accounts_app, flow, signed_in, confidential_client, backchannel):
    flow.tokens(confidential_client)
    laptop_sid = signed_in_sid(accounts_app)
    phone = accounts_app.test_client()
    Auth(phone).sign_in("alice@example.com")
    new_password = "another correct horse battery"
    response = submit(
        phone,
        "/account/password",
        {"current_password": PASSWORD, "password": new_password, "confirm": new_password},
    )
    assert response.status_code == 303
    assert [flow.verify(p.logout_token).claims["sid"] for p in backchannel.posted] == [laptop_sid]


def test_end_session_logs_out_every_client(flow, signed_in, confidential_client, register, client, backchannel):
    other = register("other")
    id_token = flow.tokens(confidential_client)["id_token"]
    flow.tokens(other)
    client.get(f"/end-session?id_token_hint={id_token}")
    assert sorted(p.uri for p in backchannel.posted) == sorted(
        [confidential_client.backchannel_logout_uri, other.backchannel_logout_uri]
    )


def test_failed_delivery_is_logged(flow, signed_in, confidential_client, backchannel, caplog):
    backchannel.status = 500
    flow.tokens(confidential_client)
    with caplog.at_level(logging.WARNING, logger="accounts.oidc.backchannel"):
        Auth(flow.client).sign_out()
    assert "tenant" in caplog.text
    assert "HTTP 500" in caplog.text
    # The logout token itself never lands in the log.
    assert backchannel.posted[0].logout_token not in caplog.text
    assert "Hello, Alice" not in flow.client.get("/").get_data(as_text=True)


def test_unreachable_client_is_logged_and_does_not_stop_sign_out(
    flow, signed_in, confidential_client, monkeypatch, caplog
):
    def refuse(uri, token, timeout):
        raise requests.ConnectionError("connection refused")

    monkeypatch.setattr(backchannel, "post_logout_token", refuse)
    flow.tokens(confidential_client)
    with caplog.at_level(logging.WARNING, logger="accounts.oidc.backchannel"):
        response = Auth(flow.client).sign_out()
    assert response.status_code == 303
    assert "failed: ConnectionError" in caplog.text


def test_deliveries_use_short_timeouts(flow, signed_in, confidential_client, backchannel):
    flow.tokens(confidential_client)
    Auth(flow.client).sign_out()
    assert backchannel.posted[0].timeout == 1.5


def test_a_slow_client_cannot_hold_the_user_past_the_deadline(monkeypatch):
    release = threading.Event()

    def post(uri, token, timeout):
        if "slow" in uri:
            release.wait()  # a client that never answers within the deadline
        return 200

    monkeypatch.setattr(backchannel, "post_logout_token", post)
    deliveries = [
        backchannel.Delivery("slow", "https://slow.example/logout", "t1"),
        backchannel.Delivery("fast", "https://fast.example/logout", "t2"),
    ]
    try:
        # deliver() returns although one client has not answered: the deadline, not the client, decides.
        outcomes = backchannel.deliver(deliveries, timeout=1.5, deadline=0.2)
    finally:
        release.set()
    assert outcomes == {"slow": "timed out", "fast": "delivered"}


def test_default_deadline_is_two_seconds(accounts_app):
    assert accounts_app.config["OIDC_BACKCHANNEL_DEADLINE"] == 2.0


class _Receiver:
    """A real HTTP back-channel endpoint on a loopback port that records what it receives."""

    def __init__(self):
        self.requests: list[dict] = []
        self.server = make_server("127.0.0.1", 0, self._app)
        self.url = f"http://127.0.0.1:{self.server.server_port}/auth/backchannel-logout"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def _app(self, environ, start_response):
        request = Request(environ)
        self.requests.append({"method": request.method, "content_type": request.mimetype, "form": dict(request.form)})
        return Response("", 200, headers={"Cache-Control": "no-store"})(environ, start_response)


@pytest.fixture
def receiver():
    receiver = _Receiver()
    receiver.thread.start()
    yield receiver
    receiver.server.shutdown()


def test_logout_token_is_posted_form_encoded_over_http(flow, signed_in, register, receiver, monkeypatch):
    monkeypatch.setattr(backchannel, "post_logout_token", _real_post)
    rp = register("loopback")
    _set_backchannel_uri(flow.client.application, "loopback", receiver.url)
    flow.tokens(rp)
    Auth(flow.client).sign_out()
    [received] = receiver.requests
    assert received["method"] == "POST"
    assert received["content_type"] == "application/x-www-form-urlencoded"
    assert set(received["form"]) == {"logout_token"}
    assert jwt.decode(received["form"]["logout_token"], flow.jwks()).header["typ"] == "logout+jwt"


def _set_backchannel_uri(app, client_id: str, uri: str) -> None:
    with app.app_context():
        find_client(client_id).backchannel_logout_uri = uri
        db.session.commit()
