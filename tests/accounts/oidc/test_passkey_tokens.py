"""Passkeys in ID tokens: a passkey sign-in is amr hwk + user with the multi-factor acr, and "Confirm it's
you" with a passkey answers a client's step-up (acr_values) for the signed-in account only."""

from urllib.parse import urlencode

import pytest

from accounts.oidc.assurance import MFA_ACR
from tests.accounts.mfa.conftest import enrol
from tests.accounts.passkeys.authenticator import SoftwareAuthenticator
from tests.accounts.passkeys.conftest import RP, add_passkey, post_json

from .conftest import CodeResult, new_verifier, query_of, signed_in_sid


@pytest.fixture
def authenticator() -> SoftwareAuthenticator:
    """A platform authenticator for the Accounts origin."""
    return SoftwareAuthenticator(origin=RP.origin, rp_id=RP.id)


def use_passkey(client, device, page: str, next_url: str = ""):
    """Press "Use a passkey" on `page`: options, the authenticator's answer, verification; the JSON reply."""
    options = post_json(client, "/sign-in/passkey/options", {"next": next_url}, token_from=page)
    credential = device.get(options.get_json())
    return post_json(client, "/sign-in/passkey", {"credential": credential, "next": next_url}, token_from=page)


def test_a_passkey_sign_in_gives_amr_hwk_user_and_the_acr(flow, client, auth, user, confidential_client, authenticator):
    auth.sign_in("alice@example.com")
    add_passkey(client, authenticator)
    auth.sign_out()
    assert use_passkey(client, authenticator, "/sign-in").status_code == 200
    claims = flow.verify(flow.tokens(confidential_client, acr_values=MFA_ACR)["id_token"]).claims
    assert (claims["amr"], claims["acr"]) == (["hwk", "user"], MFA_ACR)


def test_confirm_it_is_you_with_a_passkey_answers_a_step_up(
    flow, client, auth, user, confidential_client, authenticator
):
    auth.sign_in("alice@example.com")
    add_passkey(client, authenticator)
    enrol(client.application, user.id)  # 2FA on, so the password-only session must step up
    sid = signed_in_sid(client.application)
    verifier = new_verifier()
    params = flow.authorize_params(confidential_client, verifier, acr_values=MFA_ACR)
    sign_in = flow.authorize(**params).location
    assert sign_in.startswith("/sign-in?")
    next_url = query_of(sign_in)["next"]
    page = f"/sign-in?{urlencode({'next': next_url})}"
    assert "Use a passkey" in client.get(page).get_data(as_text=True)
    answer = use_passkey(client, authenticator, page, next_url)
    assert answer.status_code == 200, answer.get_data(as_text=True)
    assert answer.get_json()["redirect"].startswith("/authorize?")
    code = query_of(client.get(answer.get_json()["redirect"]).location)["code"]
    tokens = flow.exchange(confidential_client, CodeResult(code, verifier, params["state"], params["nonce"]))
    claims = flow.verify(tokens.get_json()["id_token"]).claims
    assert (claims["amr"], claims["acr"], claims["sid"]) == (["hwk", "user"], MFA_ACR, sid)


def test_confirm_it_is_you_takes_only_the_signed_in_accounts_passkey(
    flow, client, auth, user, make_user, confidential_client, authenticator
):
    auth.sign_in("alice@example.com")
    add_passkey(client, authenticator)
    auth.sign_out()
    bob = make_user("bob@example.com", name="Bob")
    auth.sign_in("bob@example.com")
    enrol(client.application, bob.id)
    params = flow.authorize_params(confidential_client, new_verifier(), acr_values=MFA_ACR)
    next_url = query_of(flow.authorize(**params).location)["next"]
    answer = use_passkey(client, authenticator, f"/sign-in?{urlencode({'next': next_url})}", next_url)
    assert answer.status_code == 400, "Alice's passkey must not confirm Bob"


def test_a_passkey_without_user_verification_is_refused_at_sign_in(client, auth, user):
    device = SoftwareAuthenticator(origin=RP.origin, rp_id=RP.id)
    auth.sign_in("alice@example.com")
    add_passkey(client, device)
    auth.sign_out()
    device.user_verified = False
    assert use_passkey(client, device, "/sign-in").status_code == 400
