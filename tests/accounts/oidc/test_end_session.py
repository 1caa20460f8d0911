"""OpenID Connect RP-Initiated Logout 1.0: id_token_hint, registered post-logout URIs only, state returned."""

import time
from urllib.parse import urlencode

import time_machine
from joserfc import jwt
from joserfc.jwk import RSAKey

from tests.conftest import csrf_token

from .conftest import query_of


def _end_session(client, **params):
    return client.get("/end-session?" + urlencode(params))


def _is_signed_in(client) -> bool:
    return "Hello, Alice" in client.get("/").get_data(as_text=True)


def test_logout_with_hint_redirects_to_the_registered_uri_with_state(flow, signed_in, confidential_client, client):
    id_token = flow.tokens(confidential_client)["id_token"]
    response = _end_session(
        client,
        id_token_hint=id_token,
        post_logout_redirect_uri=confidential_client.post_logout_redirect_uri,
        state="bye-1",
    )
    assert response.status_code == 302
    assert response.location.startswith(confidential_client.post_logout_redirect_uri + "?")
    assert query_of(response.location) == {"state": "bye-1"}
    assert not _is_signed_in(client)


def test_logout_ends_the_accounts_session_and_its_grants(flow, signed_in, confidential_client, client):
    tokens = flow.tokens(confidential_client)
    _end_session(client, id_token_hint=tokens["id_token"])
    assert not _is_signed_in(client)
    assert flow.refresh(confidential_client, tokens["refresh_token"]).get_json()["error"] == "invalid_grant"


def test_unregistered_post_logout_uri_is_refused(flow, signed_in, confidential_client, client):
    id_token = flow.tokens(confidential_client)["id_token"]
    response = _end_session(client, id_token_hint=id_token, post_logout_redirect_uri="https://evil.example/")
    assert response.status_code == 400
    assert response.location is None
    assert "text/html" in response.content_type
    assert _is_signed_in(client)


def test_another_clients_post_logout_uri_is_refused(flow, signed_in, confidential_client, register, client):
    other = register("other")
    id_token = flow.tokens(confidential_client)["id_token"]
    response = _end_session(client, id_token_hint=id_token, post_logout_redirect_uri=other.post_logout_redirect_uri)
    assert response.status_code == 400
    assert response.location is None


def test_post_logout_uri_without_hint_is_refused(signed_in, confidential_client, client):
    response = _end_session(
        client, client_id="tenant", post_logout_redirect_uri=confidential_client.post_logout_redirect_uri
    )
    assert response.status_code == 400
    assert response.location is None


def test_without_hint_the_user_confirms_first(signed_in, client):
    page = _end_session(client)
    assert page.status_code == 200
    assert "Sign out of Gatehouse?" in page.get_data(as_text=True)
    assert _is_signed_in(client)
    response = client.post(
        "/end-session", data={"csrf_token": csrf_token(client, "/end-session"), "confirm": "Sign out"}
    )
    assert response.status_code == 303
    assert not _is_signed_in(client)


def test_confirmation_needs_csrf(signed_in, client):
    assert client.post("/end-session", data={"confirm": "Sign out"}).status_code == 400
    assert _is_signed_in(client)


def test_hint_for_another_user_asks_for_confirmation(flow, client, auth, make_user, user, confidential_client):
    make_user("bob@example.com", name="Bob")
    auth.sign_in("bob@example.com")
    bobs_token = flow.tokens(confidential_client)["id_token"]
    auth.sign_out()
    auth.sign_in("alice@example.com")
    page = _end_session(client, id_token_hint=bobs_token)
    assert page.status_code == 200
    assert "Sign out of Gatehouse?" in page.get_data(as_text=True)
    assert _is_signed_in(client)


def test_expired_hint_is_still_accepted(flow, signed_in, confidential_client, client):
    # RP-Initiated Logout §2: the OP SHOULD accept an ID token whose exp has passed.
    with time_machine.travel(time.time(), tick=False) as traveller:
        id_token = flow.tokens(confidential_client)["id_token"]
        traveller.shift(301)
        response = _end_session(
            client, id_token_hint=id_token, post_logout_redirect_uri=confidential_client.post_logout_redirect_uri
        )
    assert response.status_code == 302
    assert not _is_signed_in(client)


def test_forged_hint_is_refused(flow, signed_in, confidential_client, client):
    claims = flow.verify(flow.tokens(confidential_client)["id_token"]).claims
    forged = jwt.encode({"alg": "RS256"}, claims, RSAKey.generate_key(2048))
    response = _end_session(
        client, id_token_hint=forged, post_logout_redirect_uri=confidential_client.post_logout_redirect_uri
    )
    assert response.status_code == 400
    assert response.location is None
    assert _is_signed_in(client)


def test_client_id_must_match_the_hint(flow, signed_in, confidential_client, register, client):
    register("other")
    id_token = flow.tokens(confidential_client)["id_token"]
    response = _end_session(client, id_token_hint=id_token, client_id="other")
    assert response.status_code == 400
    assert _is_signed_in(client)


def test_signed_out_user_is_sent_back_at_once(flow, signed_in, confidential_client, client, auth):
    id_token = flow.tokens(confidential_client)["id_token"]
    auth.sign_out()
    response = _end_session(
        client, id_token_hint=id_token, post_logout_redirect_uri=confidential_client.post_logout_redirect_uri, state="s"
    )
    assert response.status_code == 302
    assert query_of(response.location) == {"state": "s"}
