"""The WebAuthn ceremonies (accounts/passkeys/ceremonies.py) against a software authenticator."""

import json
import secrets

import pytest

from accounts.passkeys.ceremonies import (
    PasskeyError,
    authentication_options,
    credential_id_of,
    parse_response,
    registration_options,
    relying_party,
    user_handle_of,
    verify_authentication,
    verify_registration,
)
from tests.accounts.passkeys.authenticator import SoftwareAuthenticator
from tests.accounts.passkeys.conftest import RP


def new_challenge() -> bytes:
    return secrets.token_bytes(32)


def register(authenticator: SoftwareAuthenticator, **lie):
    challenge = new_challenge()
    options = registration_options(
        RP,
        challenge=challenge,
        user_handle=b"handle-1",
        user_name="alice@example.com",
        display_name="Alice",
        exclude=[],
    )
    return verify_registration(RP, authenticator.create(options, **lie), challenge=challenge)


def sign_in(authenticator: SoftwareAuthenticator, passkey, *, stored_count=None, **lie):
    challenge = new_challenge()
    response = authenticator.get(authentication_options(RP, challenge=challenge), **lie)
    count = passkey.sign_count if stored_count is None else stored_count
    return verify_authentication(RP, response, challenge=challenge, public_key=passkey.public_key, sign_count=count)


@pytest.mark.parametrize(
    ("url", "rp_id", "origin"),
    [
        ("http://localhost:5000", "localhost", "http://localhost:5000"),
        ("https://accounts.example.com/", "accounts.example.com", "https://accounts.example.com"),
        ("https://Accounts.example.com:8443/base", "accounts.example.com", "https://Accounts.example.com:8443"),
    ],
)
def test_the_relying_party_is_the_accounts_host_and_its_exact_origin(url, rp_id, origin):
    rp = relying_party(url, "Gatehouse")
    assert (rp.id, rp.origin) == (rp_id, origin)


def test_registration_options_ask_for_a_discoverable_user_verified_passkey():
    options = json.loads(
        registration_options(
            RP, challenge=b"c" * 32, user_handle=b"h", user_name="a@example.com", display_name="A", exclude=[b"old"]
        )
    )
    assert options["rp"] == {"id": "localhost", "name": "Gatehouse Accounts"}
    assert options["authenticatorSelection"]["residentKey"] == "required"
    assert options["authenticatorSelection"]["userVerification"] == "required"
    assert options["attestation"] == "none"
    assert options["excludeCredentials"] == [{"id": "b2xk", "type": "public-key"}]


def test_a_registered_passkey_signs_in_and_its_counter_moves_on(authenticator):
    passkey = register(authenticator)
    assert (passkey.sign_count, passkey.transports, passkey.backup_eligible) == (0, ["internal"], False)
    assert sign_in(authenticator, passkey).new_sign_count == 1


def test_a_synced_passkey_reports_backup_eligible(authenticator):
    authenticator.backup_eligible = True
    passkey = register(authenticator)
    assert (passkey.backup_eligible, passkey.backed_up) == (True, True)
    assert sign_in(authenticator, passkey).backup_eligible is True


@pytest.mark.parametrize(
    "lie",
    [
        {"origin": "http://localhost:5001"},  # the tenant's port: same host, another origin
        {"origin": "https://evil.example"},
        {"rp_id": "evil.example"},
    ],
)
def test_registration_from_another_origin_or_rp_id_is_refused(authenticator, lie):
    with pytest.raises(PasskeyError):
        register(authenticator, **lie)


@pytest.mark.parametrize("lie", [{"origin": "http://127.0.0.1:5000"}, {"rp_id": "example.com"}])
def test_an_assertion_for_another_origin_or_rp_id_is_refused(authenticator, lie):
    passkey = register(authenticator)
    with pytest.raises(PasskeyError):
        sign_in(authenticator, passkey, **lie)


def test_registration_without_user_verification_is_refused(authenticator):
    authenticator.user_verified = False
    with pytest.raises(PasskeyError):
        register(authenticator)


def test_an_assertion_for_another_challenge_is_refused(authenticator):
    passkey = register(authenticator)
    response = authenticator.get(authentication_options(RP, challenge=new_challenge()))
    with pytest.raises(PasskeyError):
        verify_authentication(RP, response, challenge=new_challenge(), public_key=passkey.public_key, sign_count=0)


def test_a_counter_that_goes_backwards_is_refused(authenticator):
    passkey = register(authenticator)
    sign_in(authenticator, passkey, counter=5)
    with pytest.raises(PasskeyError, match="sign count"):
        sign_in(authenticator, passkey, stored_count=5, counter=3)


def test_a_signature_from_another_key_is_refused(authenticator):
    passkey = register(authenticator)
    other = SoftwareAuthenticator(origin=RP.origin, rp_id=RP.id)
    register(other)
    with pytest.raises(PasskeyError):
        sign_in(other, passkey)


def test_the_response_names_its_credential_and_user_handle(authenticator):
    register(authenticator)
    response = authenticator.get(authentication_options(RP, challenge=new_challenge()))
    assert credential_id_of(response) == next(iter(authenticator.credentials))
    assert user_handle_of(response) == b"handle-1"


@pytest.mark.parametrize("body", ["", "not json", "[]", '{"id": "x"}', '{"response": "x"}'])
def test_a_malformed_response_is_a_passkey_error(body):
    with pytest.raises(PasskeyError):
        parse_response(body)


def test_garbage_inside_a_credential_is_a_passkey_error():
    garbage = {"id": "AA", "rawId": "AA", "type": "public-key", "response": {"clientDataJSON": "!!"}}
    with pytest.raises(PasskeyError):
        verify_registration(RP, garbage, challenge=new_challenge())
    with pytest.raises(PasskeyError):
        verify_authentication(RP, garbage, challenge=new_challenge(), public_key=b"", sign_count=0)
