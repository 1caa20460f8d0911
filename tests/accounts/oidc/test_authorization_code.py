"""RFC 6749 §4.1 authorization code grant with OpenID Connect: the happy path and its rules."""

import time

import time_machine
from sqlalchemy import select

from accounts.extensions import db
from accounts.oidc.models import Token

from .conftest import ISSUER, query_of


def test_code_flow_returns_tokens(flow, signed_in, confidential_client):
    tokens = flow.tokens(confidential_client)
    assert tokens["token_type"] == "Bearer"
    assert tokens["expires_in"] == 300
    assert {"access_token", "id_token", "refresh_token"} <= tokens.keys()
    assert tokens["scope"] == confidential_client.scope


def test_authorization_response_carries_state_and_iss(flow, signed_in, confidential_client):
    result = flow.code(confidential_client, state="xyz-123")
    assert result.params["state"] == "xyz-123"
    # RFC 9207 §2: the issuer identifies itself in every authorization response.
    assert result.params["iss"] == ISSUER


def test_token_response_is_not_cacheable(flow, signed_in, confidential_client):
    response = flow.exchange(confidential_client, flow.code(confidential_client))
    assert response.headers["Cache-Control"] == "no-store"


def test_unregistered_redirect_uri_gets_an_error_page_not_a_redirect(flow, signed_in, confidential_client):
    response = flow.authorize(confidential_client, redirect_uri="https://evil.example/callback")
    assert response.status_code == 400
    assert response.location is None
    assert "text/html" in response.content_type
    assert "evil.example" not in (response.headers.get("Location") or "")


def test_redirect_uri_must_match_exactly(flow, signed_in, confidential_client):
    for near_miss in (
        confidential_client.redirect_uri + "/",
        confidential_client.redirect_uri + "?x=1",
        confidential_client.redirect_uri.upper(),
        confidential_client.redirect_uri.replace("https://", "http://"),
    ):
        response = flow.authorize(confidential_client, redirect_uri=near_miss)
        assert response.status_code == 400, near_miss
        assert response.location is None


def test_missing_redirect_uri_gets_an_error_page(flow, signed_in, confidential_client):
    response = flow.authorize(confidential_client, redirect_uri=None)
    assert response.status_code == 400
    assert response.location is None


def test_unknown_client_gets_an_error_page(flow, signed_in, confidential_client):
    response = flow.authorize(confidential_client, client_id="nobody")
    assert response.status_code == 400
    assert response.location is None
    assert "text/html" in response.content_type


def test_other_errors_go_back_to_the_client_with_state_and_iss(flow, signed_in, confidential_client):
    response = flow.authorize(confidential_client, scope="openid nonsense", state="s1")
    assert response.status_code == 302
    assert response.location.startswith(confidential_client.redirect_uri + "?")
    answer = query_of(response.location)
    assert (answer["error"], answer["state"], answer["iss"]) == ("invalid_scope", "s1", ISSUER)
    assert "code" not in answer


def test_implicit_and_hybrid_response_types_are_refused(flow, signed_in, confidential_client):
    for response_type in ("token", "id_token", "code id_token", "code token"):
        response = flow.authorize(confidential_client, response_type=response_type, state="s")
        assert response.status_code == 302, response_type
        answer = query_of(response.location)
        assert answer["error"] == "unsupported_response_type"
        assert answer["iss"] == ISSUER
        assert "code" not in answer


def test_openid_scope_is_required(flow, signed_in, confidential_client):
    response = flow.authorize(confidential_client, scope="profile email")
    assert query_of(response.location)["error"] == "invalid_scope"


def test_nonce_is_required(flow, signed_in, confidential_client):
    response = flow.authorize(confidential_client, nonce=None)
    assert query_of(response.location)["error"] == "invalid_request"


def test_a_replayed_nonce_is_refused(flow, signed_in, confidential_client, register):
    flow.code(confidential_client, nonce="once-only")
    # OIDC Core §15.5.2: the same client sending the same nonce again is a replayed request.
    replay = query_of(flow.authorize(confidential_client, nonce="once-only").location)
    assert replay["error"] == "invalid_request"
    assert replay["state"] and replay["iss"]
    # Nonces are the client's own: another client may send the same value.
    other = register("other")
    assert "code" in query_of(flow.authorize(other, nonce="once-only").location)


def test_request_objects_are_not_supported(flow, signed_in, confidential_client):
    response = flow.authorize(confidential_client, request="eyJhbGciOiJub25lIn0.e30.")
    assert query_of(response.location)["error"] == "request_not_supported"


def test_scope_is_limited_to_what_the_client_is_allowed(flow, signed_in, register):
    rp = register("narrow", scope="openid email")
    tokens = flow.tokens(rp, scope="openid email profile")
    assert tokens["scope"] == "openid email"


def test_code_is_single_use(flow, signed_in, confidential_client):
    result = flow.code(confidential_client)
    assert flow.exchange(confidential_client, result).status_code == 200
    again = flow.exchange(confidential_client, result)
    assert again.status_code == 400
    assert again.get_json()["error"] == "invalid_grant"


def test_code_replay_revokes_the_tokens_it_issued(flow, signed_in, confidential_client, accounts_app, client):
    result = flow.code(confidential_client)
    tokens = flow.exchange(confidential_client, result).get_json()
    assert (
        client.get("/oauth/userinfo", headers={"Authorization": f"Bearer {tokens['access_token']}"}).status_code == 200
    )

    flow.exchange(confidential_client, result)  # the replay (RFC 6749 §4.1.2)

    assert (
        client.get("/oauth/userinfo", headers={"Authorization": f"Bearer {tokens['access_token']}"}).status_code == 401
    )
    refreshed = flow.refresh(confidential_client, tokens["refresh_token"])
    assert refreshed.get_json()["error"] == "invalid_grant"
    with accounts_app.app_context():
        assert all(t.revoked_at is not None for t in db.session.scalars(select(Token)))


def test_expired_code_is_refused(flow, signed_in, confidential_client):
    with time_machine.travel(time.time(), tick=False) as traveller:
        result = flow.code(confidential_client)
        traveller.shift(61)
        response = flow.exchange(confidential_client, result)
    assert response.status_code == 400
    assert response.get_json()["error"] == "invalid_grant"


def test_code_still_works_just_inside_its_60_seconds(flow, signed_in, confidential_client):
    with time_machine.travel(time.time(), tick=False) as traveller:
        result = flow.code(confidential_client)
        traveller.shift(59)
        assert flow.exchange(confidential_client, result).status_code == 200


def test_code_is_bound_to_its_client(flow, signed_in, confidential_client, register):
    other = register("other")
    result = flow.code(confidential_client)
    response = flow.exchange(other, result, redirect_uri=confidential_client.redirect_uri)
    assert response.get_json()["error"] == "invalid_grant"
    # Read with its own client before the other one authenticated: a foreign client cannot burn it.
    assert flow.exchange(confidential_client, result).status_code == 200


def test_code_is_bound_to_its_redirect_uri(flow, signed_in, confidential_client):
    result = flow.code(confidential_client)
    response = flow.exchange(confidential_client, result, redirect_uri="https://tenant.example/other")
    assert response.get_json()["error"] == "invalid_grant"


def test_confidential_client_must_authenticate(flow, signed_in, confidential_client, client):
    result = flow.code(confidential_client)
    data = {
        "grant_type": "authorization_code",
        "code": result.code,
        "redirect_uri": confidential_client.redirect_uri,
        "code_verifier": result.verifier,
        "client_id": confidential_client.client_id,
    }
    assert client.post("/oauth/token", data=data).get_json()["error"] == "invalid_client"
    wrong = client.post("/oauth/token", data=data, auth=(confidential_client.client_id, "wrong-secret"))
    assert wrong.status_code == 401
    assert wrong.get_json()["error"] == "invalid_client"


def test_confidential_client_may_use_client_secret_post(flow, signed_in, confidential_client, client):
    result = flow.code(confidential_client)
    data = {
        "grant_type": "authorization_code",
        "code": result.code,
        "redirect_uri": confidential_client.redirect_uri,
        "code_verifier": result.verifier,
        "client_id": confidential_client.client_id,
        "client_secret": confidential_client.secret,
    }
    assert client.post("/oauth/token", data=data).status_code == 200


def test_public_client_gets_tokens_with_pkce_alone(flow, signed_in, public_client):
    assert "access_token" in flow.tokens(public_client)


def test_unsupported_grant_types_are_refused(client, confidential_client):
    for grant_type in ("password", "client_credentials", "implicit"):
        response = client.post(
            "/oauth/token",
            data={"grant_type": grant_type, "username": "a", "password": "b"},
            auth=(confidential_client.client_id, confidential_client.secret),
        )
        assert response.status_code == 400
        assert response.get_json()["error"] == "unsupported_grant_type"


def test_malformed_token_requests_get_json_errors(client, confidential_client):
    response = client.post("/oauth/token", data={}, auth=(confidential_client.client_id, confidential_client.secret))
    assert response.status_code == 400
    assert response.get_json()["error"] == "unsupported_grant_type"
    response = client.post(
        "/oauth/token",
        data={"grant_type": "authorization_code"},
        auth=(confidential_client.client_id, confidential_client.secret),
    )
    assert response.get_json()["error"] == "invalid_request"
    assert client.get("/oauth/token").status_code == 405


def test_a_token_request_without_the_redirect_uri_is_invalid_request(flow, signed_in, confidential_client):
    # RFC 6749 §4.1.3: required when the authorization request carried one; a different one is invalid_grant.
    response = flow.exchange(confidential_client, flow.code(confidential_client), redirect_uri=None)
    assert response.status_code == 400 and response.get_json()["error"] == "invalid_request"
    response = flow.exchange(
        confidential_client, flow.code(confidential_client), redirect_uri="https://other.example/cb"
    )
    assert response.status_code == 400 and response.get_json()["error"] == "invalid_grant"
