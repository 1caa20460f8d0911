"""A passkey as the second step after the password, also for users without an authenticator app: the challenge page
offers what the user has, and removing the last second factor behaves as turning off TOTP does."""

import pytest
from sqlalchemy import select

from accounts.extensions import db
from accounts.mfa import trusted_devices
from accounts.mfa.factors import SecondFactors, second_factors
from accounts.passkeys.models import PasskeyCredential
from common.clock import utcnow
from tests.accounts.mfa.conftest import CHALLENGE, code_now, enrol, events, second_step, signed_in_record, user_id
from tests.accounts.passkeys.conftest import SECOND_STEP, add_passkey, passkey_sign_in, post_json
from tests.conftest import PASSWORD, Auth, submit

OFF_MAIL = "Two-factor authentication is off on your Gatehouse account"


def give_passkey(client, authenticator, remember=False):
    """Give the passkey on the challenge page, as its button does."""
    return passkey_sign_in(client, authenticator, url=SECOND_STEP, page=CHALLENGE, remember=remember)


def passkey_ids(app, email="alice@example.com") -> list[int]:
    with app.app_context():
        query = select(PasskeyCredential.id).where(PasskeyCredential.user_id == user_id(app, email))
        return list(db.session.scalars(query.order_by(PasskeyCredential.id)))


def remove_passkey(client, passkey_id: int):
    url = f"/security/passkeys/{passkey_id}/remove"
    return submit(client, url, {"password": PASSWORD})


def trusted_count(app, email="alice@example.com") -> int:
    with app.app_context():
        return len(trusted_devices.list_devices(user_id(app, email), utcnow()))


def test_one_owner_says_which_second_factors_a_user_has(accounts_app, alice_with_passkey, make_user):
    make_user("bob@example.com", name="Bob")
    enrol(accounts_app, user_id(accounts_app, "bob@example.com"))
    with accounts_app.app_context():
        assert second_factors(user_id(accounts_app, "alice@example.com")) == SecondFactors(totp=False, passkey=True)
        assert second_factors(user_id(accounts_app, "bob@example.com")) == SecondFactors(totp=True, passkey=False)
    enrol(accounts_app, user_id(accounts_app, "alice@example.com"))
    with accounts_app.app_context():
        assert second_factors(user_id(accounts_app, "alice@example.com")).any


def test_a_password_sign_in_asks_a_passkey_only_user_for_the_passkey(accounts_app, client, auth, alice_with_passkey):
    assert auth.sign_in().headers["Location"] == CHALLENGE
    assert signed_in_record(accounts_app, client) == {}
    page = client.get(CHALLENGE).get_data(as_text=True)
    assert "Use your passkey" in page and ">Use a passkey<" in page
    assert 'name="code"' not in page and "Enter your code" not in page  # no app, so no code field
    response = give_passkey(client, alice_with_passkey)
    assert response.status_code == 200 and response.get_json() == {"redirect": "/"}
    assert signed_in_record(accounts_app, client)["amr"] == ["pwd", "hwk", "user"]


def test_a_user_with_both_is_offered_both(accounts_app, client, auth, alice_with_passkey):
    enrol(accounts_app, user_id(accounts_app, "alice@example.com"))
    auth.sign_in()
    page = client.get(CHALLENGE).get_data(as_text=True)
    assert 'name="code"' in page and "Use a passkey instead" in page


def test_a_user_with_only_totp_sees_no_passkey_button(accounts_app, client, auth, make_user):
    make_user("alice@example.com")
    enrol(accounts_app, user_id(accounts_app, "alice@example.com"))
    auth.sign_in()
    page = client.get(CHALLENGE).get_data(as_text=True)
    assert 'name="code"' in page and "data-passkey-sign-in" not in page


def test_a_code_from_a_passkey_only_user_is_refused_without_signing_in(accounts_app, client, auth, alice_with_passkey):
    auth.sign_in()
    response = second_step(client, "123456")
    assert response.status_code == 303 and response.headers["Location"] == CHALLENGE
    assert signed_in_record(accounts_app, client) == {}


def test_the_passkey_step_can_trust_this_browser(accounts_app, client, auth, alice_with_passkey):
    auth.sign_in()
    response = give_passkey(client, alice_with_passkey, remember=True)
    assert any(
        h.startswith(accounts_app.config["SESSION_COOKIE_NAME"] + "_device=")
        for h in response.headers.getlist("Set-Cookie")
    )
    assert [e.event_type for e in events(accounts_app)][-2:] == ["mfa.device_trusted", "signin.succeeded"]
    auth.sign_out()
    assert auth.sign_in().headers["Location"] == "/"  # trusted: the step is skipped, as after a code


@pytest.mark.parametrize("lie", [{"origin": "https://evil.example"}, {"rp_id": "evil.example"}])
def test_a_refused_passkey_step_is_audited(accounts_app, client, auth, alice_with_passkey, lie):
    auth.sign_in()
    response = passkey_sign_in(client, alice_with_passkey, url=SECOND_STEP, page=CHALLENGE, **lie)
    assert response.status_code == 400
    failed = events(accounts_app)[-1]
    assert (failed.event_type, failed.details) == ("signin.failed", {"why": "passkey"})
    assert signed_in_record(accounts_app, client) == {}


def _signed_in_with_trusted_browser(client, auth, authenticator):
    auth.sign_in()
    give_passkey(client, authenticator, remember=True)


def test_removing_the_last_second_factor_warns_forgets_devices_and_mails(
    accounts_app, client, auth, alice_with_passkey, outbox
):
    _signed_in_with_trusted_browser(client, auth, alice_with_passkey)
    [passkey_id] = passkey_ids(accounts_app)
    page = client.get(f"/security/passkeys/{passkey_id}/remove").get_data(as_text=True)
    assert "This is your only second factor." in page
    response = remove_passkey(client, passkey_id)
    assert response.status_code == 303
    assert "_device=;" in " ".join(response.headers.getlist("Set-Cookie"))
    assert trusted_count(accounts_app) == 0
    assert [m.subject for m in outbox("alice@example.com")][-1] == OFF_MAIL
    assert "signing in needs only your password now" in client.get("/security").get_data(as_text=True)
    auth.sign_out()
    assert auth.sign_in().headers["Location"] == "/"  # the password alone, as after turning off TOTP
    assert signed_in_record(accounts_app, client)["amr"] == ["pwd"]


def test_removing_one_of_two_passkeys_keeps_the_second_step(accounts_app, client, auth, alice_with_passkey, outbox):
    _signed_in_with_trusted_browser(client, auth, alice_with_passkey)
    assert add_passkey(client, alice_with_passkey, "Phone").status_code == 201
    first, _ = passkey_ids(accounts_app)
    assert "only second factor" not in client.get(f"/security/passkeys/{first}/remove").get_data(as_text=True)
    remove_passkey(client, first)
    assert trusted_count(accounts_app) == 1
    assert OFF_MAIL not in [m.subject for m in outbox("alice@example.com")]


def test_removing_a_passkey_beside_totp_keeps_the_second_step(accounts_app, client, auth, alice_with_passkey, outbox):
    enrol(accounts_app, user_id(accounts_app, "alice@example.com"))
    auth.sign_in()
    give_passkey(client, alice_with_passkey)
    [passkey_id] = passkey_ids(accounts_app)
    assert "only second factor" not in client.get(f"/security/passkeys/{passkey_id}/remove").get_data(as_text=True)
    remove_passkey(client, passkey_id)
    assert OFF_MAIL not in [m.subject for m in outbox("alice@example.com")]
    auth.sign_out()
    assert auth.sign_in().headers["Location"] == CHALLENGE


def test_turning_off_totp_leaves_the_passkeys_as_the_second_step(
    accounts_app, client, auth, alice_with_passkey, outbox
):
    secret, _ = enrol(accounts_app, user_id(accounts_app, "alice@example.com"))
    auth.sign_in()
    second_step(client, code_now(secret))
    assert "ask for one of your passkeys instead of a code" in client.get("/security/two-factor/disable").get_data(
        as_text=True
    )
    response = submit(client, "/security/two-factor/disable", {"password": PASSWORD})
    assert response.status_code == 303
    assert OFF_MAIL not in [m.subject for m in outbox("alice@example.com")]
    page = client.get("/security").get_data(as_text=True)
    assert "your passkeys are still your second step" in page and "On, with passkeys." in page
    auth.sign_out()
    assert auth.sign_in().headers["Location"] == CHALLENGE


@pytest.mark.parametrize("body", [None, {}, {"credential": "x"}, {"credential": {"response": []}, "remember": "yes"}])
def test_bad_input_to_the_passkey_step_is_a_json_error(accounts_app, client, auth, alice_with_passkey, body):
    auth.sign_in()
    post_json(client, SECOND_STEP + "/options", token_from=CHALLENGE)
    response = post_json(client, SECOND_STEP, body, token_from=CHALLENGE)
    assert response.status_code == 400 and "error" in response.get_json()


def test_a_passkey_step_answer_cannot_be_given_twice(accounts_app, client, auth, alice_with_passkey):
    auth.sign_in()
    options = post_json(client, SECOND_STEP + "/options", token_from=CHALLENGE).get_json()
    answer = {"credential": alice_with_passkey.get(options)}
    other = accounts_app.test_client()
    Auth(other).sign_in()  # another browser that gave the password too, replaying the captured answer
    assert post_json(other, SECOND_STEP, answer, token_from=CHALLENGE).status_code == 400
    assert post_json(client, SECOND_STEP, answer, token_from=CHALLENGE).status_code == 200
    assert post_json(client, SECOND_STEP, answer, token_from="/security").status_code == 409  # no step left
