"""SPEC §2.2 at the provider: amr and acr in ID tokens, acr_values / max_age / prompt=login for users
with and without a second factor, the request kept through the second step, and the sid kept across."""

from datetime import timedelta
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest
import time_machine

from accounts.oidc.assurance import MFA_ACR
from tests.accounts.conftest import cookie_value, signed_in_as, with_cookie
from tests.accounts.mfa.conftest import CHALLENGE, FROZEN_AT, code_now, enrol, second_step
from tests.accounts.passkeys.authenticator import SoftwareAuthenticator
from tests.accounts.passkeys.conftest import RP, SECOND_STEP, add_passkey, passkey_sign_in
from tests.conftest import PASSWORD, submit

from .conftest import CodeResult, new_verifier, query_of, signed_in_sid


@pytest.fixture
def clock():
    """Time frozen five seconds into a TOTP step; clock.shift(...) moves it."""
    with time_machine.travel(FROZEN_AT, tick=False) as traveller:
        yield traveller


@pytest.fixture
def secret(accounts_app, user, clock) -> str:
    """Alice has 2FA on (she is not signed in yet)."""
    return enrol(accounts_app, user.id)[0]


@pytest.fixture
def password_only(client, auth, user, clock) -> str:
    """Alice signed in with her password, then switched 2FA on: a password-only session of a 2FA user."""
    assert auth.sign_in("alice@example.com").status_code == 303
    return enrol(client.application, user.id)[0]


def sign_in_location(response) -> tuple[str, dict]:
    """Where /authorize sent the browser to sign in: its path and query."""
    assert response.status_code == 302, response.get_data(as_text=True)
    parts = urlsplit(response.location)
    return parts.path, {k: v[0] for k, v in parse_qs(parts.query).items()}


def start(flow, rp, **overrides) -> tuple[dict, str, dict]:
    """GET /authorize; return the params, the verifier and the sign-in query it was sent to."""
    verifier = new_verifier()
    params = flow.authorize_params(rp, verifier, **overrides)
    path, query = sign_in_location(flow.authorize(**params))
    assert path == "/sign-in"
    return params, verifier, query


def both_factors(client, query: dict, secret: str):
    """Password on the sign-in page (as linked from /authorize), then the code; the final redirect."""
    response = submit(client, "/sign-in", {"email": "alice@example.com", "password": PASSWORD, **query})
    assert response.headers["Location"] == CHALLENGE, "the password alone must not do"
    return second_step(client, code_now(secret))


def finish(flow, client, rp, params: dict, verifier: str, back) -> dict:
    """Follow the redirect back to /authorize, exchange the code, return the ID-token claims."""
    assert back.status_code == 303
    assert back.headers["Location"].startswith("/authorize?"), "the authorization request survived sign-in"
    answer = query_of(client.get(back.headers["Location"]).location)
    tokens = flow.exchange(rp, CodeResult(answer["code"], verifier, params["state"], params["nonce"]))
    assert tokens.status_code == 200, tokens.get_data(as_text=True)
    return flow.verify(tokens.get_json()["id_token"]).claims


def test_discovery_advertises_the_second_factor_acr(client):
    metadata = client.get("/.well-known/openid-configuration").get_json()
    assert metadata["acr_values_supported"] == [MFA_ACR]
    assert "acr" in metadata["claims_supported"]


def test_a_password_sign_in_gives_amr_pwd_and_no_acr(flow, signed_in, confidential_client):
    claims = flow.verify(flow.tokens(confidential_client)["id_token"]).claims
    assert claims["amr"] == ["pwd"]
    assert "acr" not in claims


def test_a_two_factor_sign_in_gives_amr_pwd_otp_and_the_acr(flow, client, secret, confidential_client, clock):
    params, verifier, query = start(flow, confidential_client)
    clock.shift(timedelta(seconds=20))
    claims = finish(flow, client, confidential_client, params, verifier, both_factors(client, query, secret))
    assert claims["amr"] == ["pwd", "otp"]
    assert claims["acr"] == MFA_ACR
    assert claims["auth_time"] == int(FROZEN_AT.timestamp()) + 20


def test_the_authorization_request_survives_the_second_step(flow, client, secret, confidential_client):
    params, verifier, query = start(flow, confidential_client, state="come-back")
    back = both_factors(client, query, secret)
    assert parse_qs(urlsplit(back.headers["Location"]).query)["state"] == ["come-back"]
    assert finish(flow, client, confidential_client, params, verifier, back)["amr"] == ["pwd", "otp"]


def test_acr_values_send_a_password_only_session_through_both_factors(flow, client, password_only, confidential_client):
    sid = signed_in_sid(client.application)
    params, verifier, query = start(flow, confidential_client, acr_values=MFA_ACR)
    assert set(query) == {"next"}, "what the app demands stays server-side, not in the URL"
    claims = finish(flow, client, confidential_client, params, verifier, both_factors(client, query, password_only))
    assert (claims["amr"], claims["acr"]) == (["pwd", "otp"], MFA_ACR)
    assert claims["sid"] == sid, "stepping up keeps the Accounts session"


def test_a_trusted_device_does_not_skip_the_code_the_client_asked_for(
    flow, client, auth, secret, confidential_client, clock
):
    auth.sign_in("alice@example.com")
    second_step(client, code_now(secret), remember=True)
    auth.sign_out()
    clock.shift(timedelta(seconds=30))
    assert auth.sign_in("alice@example.com").headers["Location"] == "/", "trusted: no code asked at plain sign-in"

    params, verifier, query = start(flow, confidential_client, acr_values=MFA_ACR)
    claims = finish(flow, client, confidential_client, params, verifier, both_factors(client, query, secret))
    assert claims["acr"] == MFA_ACR


def test_a_satisfied_acr_request_issues_at_once(flow, client, secret, confidential_client):
    _, _, query = start(flow, confidential_client)
    both_factors(client, query, secret)
    claims = flow.verify(flow.tokens(confidential_client, acr_values=MFA_ACR)["id_token"]).claims
    assert claims["acr"] == MFA_ACR


def test_without_a_second_factor_the_token_comes_without_acr(flow, signed_in, confidential_client):
    # OIDC Core §3.1.2.1: acr_values is voluntary; the client sees no acr and decides (tenants explain).
    claims = flow.verify(flow.tokens(confidential_client, acr_values=MFA_ACR)["id_token"]).claims
    assert claims["amr"] == ["pwd"]
    assert "acr" not in claims


def test_unknown_acr_values_are_ignored(flow, signed_in, confidential_client):
    assert flow.code(confidential_client, acr_values="urn:example:loa:4").code


def test_prompt_none_with_a_missing_second_factor_answers_login_required(flow, password_only, confidential_client):
    answer = query_of(flow.authorize(confidential_client, prompt="none", acr_values=MFA_ACR, state="s").location)
    assert (answer["error"], answer["state"]) == ("login_required", "s")


def test_max_age_exceeded_for_a_2fa_user_asks_for_password_and_code(flow, client, secret, confidential_client, clock):
    _, _, query = start(flow, confidential_client)
    both_factors(client, query, secret)
    sid = signed_in_sid(client.application)
    clock.shift(timedelta(seconds=601))

    params, verifier, query = start(flow, confidential_client, max_age="600")
    assert parse_qs(urlsplit(query["next"]).query)["max_age"] == ["600"], "the request comes back unchanged"
    claims = finish(flow, client, confidential_client, params, verifier, both_factors(client, query, secret))
    assert claims["auth_time"] == int(FROZEN_AT.timestamp()) + 601
    assert claims["amr"] == ["pwd", "otp"]
    assert claims["sid"] == sid


def test_prompt_login_keeps_the_sid_and_changes_the_cookie(flow, client, signed_in, confidential_client):
    app = client.application
    sid, old_cookie = signed_in_sid(app), cookie_value(client, app)
    params, verifier, query = start(flow, confidential_client, prompt="login")
    page = client.get("/sign-in?" + urlencode(query)).get_data(as_text=True)
    # "Confirm it's you": the account is named, not asked for (accounts/identity/views.py).
    assert "Confirm it’s you" in page and "alice@example.com</strong>" in page and 'name="email"' not in page
    back = submit(client, "/sign-in", {"email": "alice@example.com", "password": PASSWORD, **query})
    claims = finish(flow, client, confidential_client, params, verifier, back)
    assert claims["sid"] == sid
    assert cookie_value(client, app) != old_cookie
    assert signed_in_as(with_cookie(app, old_cookie)) is None, "the old cookie token no longer works"


def test_back_channel_logout_after_a_step_up_names_the_kept_sid(
    flow, client, auth, password_only, confidential_client, backchannel
):
    sid = signed_in_sid(client.application)
    params, verifier, query = start(flow, confidential_client, acr_values=MFA_ACR)
    finish(flow, client, confidential_client, params, verifier, both_factors(client, query, password_only))
    auth.sign_out()
    [posted] = backchannel.posted
    assert flow.verify(posted.logout_token).claims["sid"] == sid


def test_giving_up_the_second_step_of_a_step_up_leaves_the_user_signed_in(
    flow, client, password_only, confidential_client
):
    sid = signed_in_sid(client.application)
    _, _, query = start(flow, confidential_client, acr_values=MFA_ACR)
    submit(client, "/sign-in", {"email": "alice@example.com", "password": PASSWORD, **query})
    assert client.get("/").headers["Location"] == CHALLENGE, "the stage confines the browser meanwhile"
    submit(client, CHALLENGE + "/cancel", {}, form_url=CHALLENGE)
    assert signed_in_as(client) == "Alice"
    assert signed_in_sid(client.application) == sid


def test_acr_values_send_a_passkey_only_users_password_session_through_the_passkey(
    flow, client, auth, user, confidential_client
):
    # Alice signed in with her password, then added a passkey (her only second factor): a password-only session.
    device = SoftwareAuthenticator(origin=RP.origin, rp_id=RP.id)
    auth.sign_in("alice@example.com")
    assert add_passkey(client, device).status_code == 201
    params, verifier, query = start(flow, confidential_client, acr_values=MFA_ACR)
    response = submit(client, "/sign-in", {"email": "alice@example.com", "password": PASSWORD, **query})
    assert response.headers["Location"] == CHALLENGE, "the password alone must not do"
    back = passkey_sign_in(client, device, url=SECOND_STEP, page=CHALLENGE).get_json()["redirect"]
    assert back.startswith("/authorize?"), "the authorization request survived the passkey step"
    answer = query_of(client.get(back).location)
    tokens = flow.exchange(confidential_client, CodeResult(answer["code"], verifier, params["state"], params["nonce"]))
    claims = flow.verify(tokens.get_json()["id_token"]).claims
    assert (claims["amr"], claims["acr"]) == (["pwd", "hwk", "user"], MFA_ACR)
