"""RFC 8693 §4.1 `act` in everything issued while an admin impersonates, and no token outliving the impersonation."""

import time

import pytest
import time_machine
from authlib.oauth2.rfc6749 import InvalidGrantError
from sqlalchemy import select

from accounts.extensions import db
from accounts.oidc import views
from accounts.oidc.impersonation import Impersonation
from accounts.oidc.models import AuthorizationCode, Token
from accounts.oidc.tokens import AccessTokenGenerator, Grantee
from accounts.sessions.authentication import Authentication
from common.clock import utc_from_timestamp
from tenants.signin.impersonation import impersonation_from_claims

from .conftest import ISSUER, impersonate

REASON = "Ticket 4711: the member cannot see their todos"
ORDINARY_ACCESS_CLAIMS = {"iss", "exp", "client_id", "iat", "jti", "scope", "sub", "aud"}


@pytest.fixture
def admin(make_user):
    """An admin with a display name, who will act as Alice."""
    return make_user("root@example.com", name="Rhea Root", admin=True)


@pytest.fixture
def clock():
    """Time frozen now; shift it to let the impersonation run out."""
    with time_machine.travel(int(time.time()), tick=False) as traveller:
        yield traveller


def _userinfo(client, token: str):
    return client.get("/oauth/userinfo", headers={"Authorization": f"Bearer {token}"})


def _introspect(client, rp, token: str) -> dict:
    return client.post("/oauth/introspect", data={"token": token}, auth=(rp.client_id, rp.secret)).get_json()


def _act(admin, *, named: bool) -> dict:
    return {"sub": str(admin.id), "name": admin.name} if named else {"sub": str(admin.id)}


def test_an_impersonated_grant_names_the_admin_everywhere(flow, client, signed_in, admin, confidential_client, clock):
    ends = int(time.time()) + 3600
    impersonate(client, admin.id, REASON, ends)
    tokens = flow.tokens(confidential_client)
    details = {"reason": REASON, "expires_at": ends}

    id_token = flow.verify(tokens["id_token"]).claims
    assert id_token["sub"] == str(signed_in.id)  # RFC 8693 §4.1: sub stays the user, act is who really acts
    assert id_token["act"] == _act(admin, named=True)
    assert id_token["impersonation"] == details

    info = _userinfo(client, tokens["access_token"]).get_json()
    assert info["sub"] == str(signed_in.id)
    assert info["act"] == _act(admin, named=True)
    assert info["impersonation"] == details

    access = flow.verify(tokens["access_token"]).claims
    assert access["sub"] == str(signed_in.id)
    assert access["act"] == _act(admin, named=False)
    assert access["impersonation"] == details

    for token in (tokens["access_token"], tokens["refresh_token"]):
        body = _introspect(client, confidential_client, token)
        assert body["active"] is True
        assert body["act"] == _act(admin, named=False)
        assert body["impersonation"] == details


def test_tenants_read_the_claims_as_issued(flow, client, signed_in, admin, confidential_client):
    # The contract with tenants/signin/impersonation.py: the same shapes, read back without complaint.
    ends = int(time.time()) + 3600
    impersonate(client, admin.id, REASON, ends)
    tokens = flow.tokens(confidential_client)
    from_id_token = impersonation_from_claims(flow.verify(tokens["id_token"]).claims)
    from_access_token = impersonation_from_claims(flow.verify(tokens["access_token"]).claims)
    assert (from_id_token.actor_sub, from_id_token.actor_name) == (str(admin.id), admin.name)
    assert (from_access_token.actor_sub, from_access_token.actor_name) == (str(admin.id), None)
    for read in (from_id_token, from_access_token):
        assert (read.reason, read.expires_at) == (REASON, utc_from_timestamp(ends))


def test_codes_and_tokens_record_the_impersonation(accounts_app, flow, client, signed_in, admin, confidential_client):
    ends = int(time.time()) + 3600
    impersonate(client, admin.id, REASON, ends)
    flow.tokens(confidential_client)
    with accounts_app.app_context():
        rows = [db.session.scalar(select(AuthorizationCode)), db.session.scalar(select(Token))]
        recorded = [(row.actor_id, row.impersonation_reason, row.impersonation_expires_at) for row in rows]
    assert recorded == [(admin.id, REASON, ends)] * 2


def test_every_lifetime_ends_with_the_impersonation(flow, client, signed_in, admin, confidential_client, clock):
    now = int(time.time())
    ends = now + 120  # sooner than the 300 s of access and ID tokens and the 14 days of refresh tokens
    impersonate(client, admin.id, REASON, ends)
    tokens = flow.tokens(confidential_client)

    assert tokens["expires_in"] == 120
    assert flow.verify(tokens["access_token"]).claims["exp"] == ends
    assert flow.verify(tokens["id_token"]).claims["exp"] == ends
    assert _introspect(client, confidential_client, tokens["access_token"])["exp"] == ends
    assert _introspect(client, confidential_client, tokens["refresh_token"])["exp"] == ends


def test_a_long_impersonation_leaves_the_usual_lifetimes(flow, client, signed_in, admin, confidential_client, clock):
    now = int(time.time())
    impersonate(client, admin.id, REASON, now + 3600)
    tokens = flow.tokens(confidential_client)
    assert tokens["expires_in"] == 300
    assert flow.verify(tokens["access_token"]).claims["exp"] == now + 300
    assert flow.verify(tokens["id_token"]).claims["exp"] == now + 300
    assert _introspect(client, confidential_client, tokens["refresh_token"])["exp"] == now + 3600


def test_refresh_before_the_end_keeps_the_act_of_the_family(flow, client, signed_in, admin, confidential_client, clock):
    ends = int(time.time()) + 3600
    impersonate(client, admin.id, REASON, ends)
    first = flow.tokens(confidential_client)
    clock.shift(3500)

    response = flow.refresh(confidential_client, first["refresh_token"])
    assert response.status_code == 200
    second = response.get_json()
    access = flow.verify(second["access_token"]).claims
    assert access["act"] == _act(admin, named=False)
    assert access["impersonation"] == {"reason": REASON, "expires_at": ends}
    assert access["exp"] == ends
    assert second["expires_in"] == 100
    assert _userinfo(client, second["access_token"]).get_json()["act"] == _act(admin, named=True)
    assert _introspect(client, confidential_client, second["refresh_token"])["exp"] == ends


def test_refresh_after_the_end_is_refused(flow, client, signed_in, admin, confidential_client, clock):
    ends = int(time.time()) + 3600
    impersonate(client, admin.id, REASON, ends)
    tokens = flow.tokens(confidential_client)
    clock.shift(3600)

    response = flow.refresh(confidential_client, tokens["refresh_token"])
    assert response.status_code == 400
    assert response.get_json()["error"] == "invalid_grant"
    assert _introspect(client, confidential_client, tokens["refresh_token"]) == {"active": False}


def test_a_code_cannot_be_redeemed_after_the_end(flow, client, signed_in, admin, confidential_client, clock):
    impersonate(client, admin.id, REASON, int(time.time()) + 30)
    result = flow.code(confidential_client)
    clock.shift(30)  # the code's own 60 s are not over, the impersonation is
    response = flow.exchange(confidential_client, result)
    assert response.status_code == 400
    assert response.get_json()["error"] == "invalid_grant"


def test_an_impersonation_that_ended_mid_request_issues_nothing(accounts_app, user):
    # The code or refresh token was checked just before the clock passed the end: still no token.
    generator = AccessTokenGenerator(ISSUER, 300)
    ended = Impersonation(actor_id=1, reason=REASON, expires_at=int(time.time()))
    with accounts_app.app_context(), pytest.raises(InvalidGrantError):
        generator.generate("refresh_token", None, Grantee(user, ended), "openid")


def test_an_ordinary_sign_in_carries_no_act(flow, client, signed_in, confidential_client):
    tokens = flow.tokens(confidential_client, scope="openid email offline_access")
    assert set(flow.verify(tokens["access_token"]).claims) == ORDINARY_ACCESS_CLAIMS
    id_token = flow.verify(tokens["id_token"]).claims
    info = _userinfo(client, tokens["access_token"]).get_json()
    introspected = [_introspect(client, confidential_client, tokens[k]) for k in ("access_token", "refresh_token")]
    for claims in (id_token, info, *introspected):
        assert "act" not in claims
        assert "impersonation" not in claims


def test_the_authorization_request_sees_the_impersonation(monkeypatch):
    auth = Authentication(7, "sid-1", ("pwd", "otp"), 1000, actor_id=3, reason=REASON, expires_at=4600)
    monkeypatch.setattr(views.authentication, "current", lambda: auth)
    signed_in = views._signed_in()
    assert (signed_in.user_id, signed_in.sid, signed_in.amr) == (7, "sid-1", ["pwd", "otp"])
    assert signed_in.impersonation == Impersonation(actor_id=3, reason=REASON, expires_at=4600)


def test_the_users_own_session_has_no_impersonation(monkeypatch):
    monkeypatch.setattr(views.authentication, "current", lambda: Authentication(7, "sid-1", ("pwd",), 1000))
    assert views._signed_in().impersonation is None
