"""OIDC Core §3.1.2.1 prompt and max_age, and the round trip through sign-in."""

import time
from urllib.parse import parse_qs, urlsplit

import time_machine

from tests.conftest import PASSWORD, submit

from .conftest import ISSUER, CodeResult, new_verifier, query_of


def _sign_in_next(response) -> str:
    """The authorization URL the sign-in page will return to."""
    assert response.status_code == 302
    parts = urlsplit(response.location)
    assert parts.path == "/sign-in"
    return parse_qs(parts.query)["next"][0]


def _sign_in_and_follow(client, next_url: str):
    """Sign in through the real form with next=..., then follow the redirect back."""
    response = submit(client, "/sign-in", {"email": "alice@example.com", "password": PASSWORD, "next": next_url})
    assert response.status_code == 303
    assert response.location == next_url
    return client.get(next_url)


def test_unauthenticated_user_signs_in_and_comes_back(flow, client, user, confidential_client):
    params = flow.authorize_params(confidential_client, state="come-back")
    response = flow.authorize(**params)
    next_url = _sign_in_next(response)
    assert next_url.startswith("/authorize?")
    assert parse_qs(urlsplit(next_url).query) == {k: [v] for k, v in params.items()}
    back = _sign_in_and_follow(client, next_url)
    answer = query_of(back.location)
    assert back.location.startswith(confidential_client.redirect_uri)
    assert answer["state"] == "come-back"
    assert answer["code"]


def test_prompt_none_without_session_answers_login_required(flow, user, confidential_client):
    response = flow.authorize(confidential_client, prompt="none", state="silent")
    assert response.status_code == 302
    assert response.location.startswith(confidential_client.redirect_uri + "?")
    answer = query_of(response.location)
    assert (answer["error"], answer["state"], answer["iss"]) == ("login_required", "silent", ISSUER)


def test_prompt_none_with_session_issues_a_code_silently(flow, signed_in, confidential_client):
    assert flow.code(confidential_client, prompt="none").code


def test_prompt_none_without_consent_answers_consent_required(flow, signed_in, register):
    third_party = register("thirdparty", first_party=False)
    answer = query_of(flow.authorize(third_party, prompt="none", state="s").location)
    assert (answer["error"], answer["state"], answer["iss"]) == ("consent_required", "s", ISSUER)


def test_prompt_none_cannot_be_combined(flow, signed_in, confidential_client):
    answer = query_of(flow.authorize(confidential_client, prompt="none login").location)
    assert answer["error"] == "invalid_request"


def test_prompt_login_forces_a_fresh_sign_in(flow, client, signed_in, confidential_client):
    with time_machine.travel(time.time(), tick=False) as traveller:
        first_auth_time = flow.verify(flow.tokens(confidential_client)["id_token"]).claims["auth_time"]
        traveller.shift(600)
        signed_in_again_at = int(time.time())  # the clock is frozen: the new sign-in happens now
        verifier = new_verifier()
        params = flow.authorize_params(confidential_client, verifier, prompt="login")
        next_url = _sign_in_next(flow.authorize(**params))
        # The way back is the request itself, unchanged: its demand is kept server-side and answered by the sign-in.
        assert parse_qs(urlsplit(next_url).query)["prompt"] == ["login"]
        code = query_of(_sign_in_and_follow(client, next_url).location)["code"]
        tokens = flow.exchange(confidential_client, CodeResult(code, verifier, params["state"], params["nonce"]))
    # auth_time moved on to the new sign-in (first_auth_time came from before the clock was frozen).
    auth_time = flow.verify(tokens.get_json()["id_token"]).claims["auth_time"]
    assert auth_time == signed_in_again_at > first_auth_time + 599


def test_max_age_exceeded_forces_sign_in(flow, client, signed_in, confidential_client):
    with time_machine.travel(time.time(), tick=False) as traveller:
        traveller.shift(301)
        next_url = _sign_in_next(flow.authorize(confidential_client, max_age="300"))
        assert parse_qs(urlsplit(next_url).query)["max_age"] == ["300"]  # unchanged: the demand is server-side
        assert query_of(_sign_in_and_follow(client, next_url).location)["code"]


def test_max_age_satisfied_issues_a_code(flow, signed_in, confidential_client):
    with time_machine.travel(time.time(), tick=False) as traveller:
        traveller.shift(299)
        assert flow.code(confidential_client, max_age="300").code


def test_prompt_none_with_stale_authentication_answers_login_required(flow, signed_in, confidential_client):
    with time_machine.travel(time.time(), tick=False) as traveller:
        traveller.shift(61)
        answer = query_of(flow.authorize(confidential_client, prompt="none", max_age="60").location)
    assert answer["error"] == "login_required"


def test_malformed_max_age_is_invalid_request(flow, signed_in, confidential_client):
    answer = query_of(flow.authorize(confidential_client, max_age="-5", state="m").location)
    assert (answer["error"], answer["state"], answer["iss"]) == ("invalid_request", "m", ISSUER)
