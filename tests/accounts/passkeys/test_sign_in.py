"""Signing in with a passkey: alone (two factors, amr hwk/swk + user), or as the second step after a password."""

import pytest

from accounts.oidc.assurance import MFA_ACR, acr_for, used_second_factor
from tenants.signin.stepup import second_factor_in
from tests.accounts.mfa.conftest import CHALLENGE, enrol, events, signed_in_record, user_id
from tests.accounts.passkeys.authenticator import SoftwareAuthenticator
from tests.accounts.passkeys.conftest import add_passkey, passkey_sign_in, post_json


@pytest.mark.parametrize(
    ("amr", "acr"),
    [
        (["hwk", "user"], MFA_ACR),
        (["swk", "user"], MFA_ACR),
        (["pwd", "otp"], MFA_ACR),
        (["pwd", "hwk", "user"], MFA_ACR),
        (["hwk"], None),  # a key without user verification is one factor
        (["user"], None),
        (["pwd"], None),
    ],
)
def test_a_user_verified_passkey_is_the_multi_factor_acr(amr, acr):
    assert acr_for(amr) == acr
    assert used_second_factor(amr) is (acr is not None)
    assert second_factor_in(amr) is (acr is not None)  # the tenants' copy of the rule agrees


def test_the_sign_in_page_offers_a_passkey_button(client):
    page = client.get("/sign-in").get_data(as_text=True)
    assert "data-passkey-sign-in" in page and "Use a passkey" in page and "passkeys.js" in page


def test_a_passkey_signs_in_with_two_factors(client, accounts_app, alice_with_passkey):
    response = passkey_sign_in(client, alice_with_passkey)
    assert response.status_code == 200
    assert response.get_json() == {"redirect": "/"}
    assert signed_in_record(accounts_app, client)["amr"] == ["hwk", "user"]
    assert events(accounts_app)[-1].event_type == "signin.succeeded"


def test_a_synced_passkey_signs_in_as_software_key(client, accounts_app, make_user, auth):
    make_user("alice@example.com")
    auth.sign_in()
    synced = SoftwareAuthenticator(origin="http://localhost:5000", rp_id="localhost", backup_eligible=True)
    add_passkey(client, synced)
    auth.sign_out()
    passkey_sign_in(client, synced)
    assert signed_in_record(accounts_app, client)["amr"] == ["swk", "user"]


def test_a_user_with_totp_is_not_asked_for_a_code_after_a_passkey(client, accounts_app, alice_with_passkey):
    enrol(accounts_app, user_id(accounts_app, "alice@example.com"))
    response = passkey_sign_in(client, alice_with_passkey)
    assert response.get_json() == {"redirect": "/"}
    assert signed_in_record(accounts_app, client)["amr"] == ["hwk", "user"]


@pytest.mark.parametrize("lie", [{"origin": "https://evil.example"}, {"rp_id": "evil.example"}])
def test_a_phished_assertion_signs_nobody_in(client, accounts_app, alice_with_passkey, lie):
    response = passkey_sign_in(client, alice_with_passkey, **lie)
    assert response.status_code == 400
    assert signed_in_record(accounts_app, client) == {}
    failed = events(accounts_app)[-1]
    assert (failed.event_type, failed.details) == ("signin.failed", {"why": "passkey"})


def test_an_unknown_passkey_signs_nobody_in(client, accounts_app, alice_with_passkey):
    stranger = SoftwareAuthenticator(origin="http://localhost:5000", rp_id="localhost")
    stranger.create({"user": {"id": "AAAA"}, "challenge": "AAAA"})
    response = passkey_sign_in(client, stranger)
    assert response.status_code == 400 and "not registered" in response.get_json()["error"]


def test_an_assertion_cannot_be_replayed(client, accounts_app, alice_with_passkey):
    options = post_json(client, "/sign-in/passkey/options", token_from="/sign-in").get_json()
    credential = alice_with_passkey.get(options)
    first = post_json(client, "/sign-in/passkey", {"credential": credential}, token_from="/sign-in")
    assert first.status_code == 200
    other = client.application.test_client()
    replay = post_json(other, "/sign-in/passkey", {"credential": credential}, token_from="/sign-in")
    assert replay.status_code == 400


@pytest.mark.parametrize("body", [None, {}, {"credential": "x"}, {"credential": {"response": []}}])
def test_bad_input_is_a_json_error(client, body):
    post_json(client, "/sign-in/passkey/options", token_from="/sign-in")
    response = post_json(client, "/sign-in/passkey", body, token_from="/sign-in")
    assert response.status_code == 400 and "error" in response.get_json()


def test_a_passkey_is_the_second_step_beside_totp(client, accounts_app, alice_with_passkey, auth):
    enrol(accounts_app, user_id(accounts_app, "alice@example.com"))
    assert auth.sign_in().headers["Location"] == CHALLENGE
    page = client.get(CHALLENGE).get_data(as_text=True)
    assert "Use a passkey instead" in page
    response = passkey_sign_in(client, alice_with_passkey, url="/sign-in/two-factor/passkey", page=CHALLENGE)
    assert response.status_code == 200, response.get_data(as_text=True)
    assert signed_in_record(accounts_app, client)["amr"] == ["pwd", "hwk", "user"]


def test_the_second_step_takes_only_the_users_own_passkey(client, accounts_app, make_user, auth, alice_with_passkey):
    make_user("bob@example.com", name="Bob")
    enrol(accounts_app, user_id(accounts_app, "bob@example.com"))
    auth.sign_in("bob@example.com")
    options = post_json(client, "/sign-in/two-factor/passkey/options", token_from=CHALLENGE).get_json()
    assert options["allowCredentials"] == []
    credential = alice_with_passkey.get(options)
    response = post_json(client, "/sign-in/two-factor/passkey", {"credential": credential}, token_from=CHALLENGE)
    assert response.status_code == 400
    assert signed_in_record(accounts_app, client) == {}


def test_the_second_step_needs_a_sign_in_under_way(client):
    response = post_json(client, "/sign-in/two-factor/passkey/options", token_from="/sign-in")
    assert response.status_code == 409
