"""A TOTP code is accepted once: the same or an earlier time step is refused, in every process."""

from datetime import timedelta

import accounts
from accounts.extensions import db
from accounts.mfa import totp
from tests.accounts.mfa.conftest import CHALLENGE, cancel, code_now, second_step
from tests.conftest import Auth, accounts_overrides


def sign_in_with(client, auth, enrolled, code: str):
    auth.sign_in(enrolled.email, enrolled.password)
    return second_step(client, code)


def test_same_code_is_refused_the_second_time(client, auth, enrolled):
    code = code_now(enrolled.secret)
    assert sign_in_with(client, auth, enrolled, code).headers["Location"] == "/"
    auth.sign_out()
    assert sign_in_with(client, auth, enrolled, code).headers["Location"] == CHALLENGE
    assert "This code was already used" in client.get(CHALLENGE).get_data(as_text=True)


def test_earlier_step_is_refused_after_a_later_one(client, auth, enrolled):
    # Both codes are inside the ±1 step drift window; the older one must still lose.
    sign_in_with(client, auth, enrolled, code_now(enrolled.secret))
    auth.sign_out()
    assert sign_in_with(client, auth, enrolled, code_now(enrolled.secret, -1)).headers["Location"] == CHALLENGE


def test_next_step_is_accepted(client, auth, enrolled, clock):
    sign_in_with(client, auth, enrolled, code_now(enrolled.secret))
    auth.sign_out()
    clock.shift(timedelta(seconds=30))
    assert sign_in_with(client, auth, enrolled, code_now(enrolled.secret)).headers["Location"] == "/"


def test_codes_outside_the_drift_window_are_refused(client, auth, enrolled):
    for steps in (-2, 2):
        response = sign_in_with(client, auth, enrolled, code_now(enrolled.secret, steps))
        assert response.headers["Location"] == CHALLENGE
        cancel(client)


def test_replay_is_refused_by_another_process(accounts_app, enrolled):
    """Two app instances over one database stand in for two worker processes."""
    other_app = accounts.create_app(accounts_overrides())
    code = code_now(enrolled.secret)
    first, second = accounts_app.test_client(), other_app.test_client()
    Auth(first).sign_in(enrolled.email, enrolled.password)
    Auth(second).sign_in(enrolled.email, enrolled.password)
    assert second_step(first, code).headers["Location"] == "/"
    assert second_step(second, code).headers["Location"] == CHALLENGE
    with other_app.app_context():
        db.engine.dispose()


def test_claim_step_is_a_conditional_update(accounts_app, enrolled):
    with accounts_app.app_context():
        credential = totp.find_credential(enrolled.id)
        assert totp.claim_step(credential.id, 100) is True
        assert totp.claim_step(credential.id, 100) is False
        assert totp.claim_step(credential.id, 99) is False
        assert totp.claim_step(credential.id, 101) is True
        db.session.commit()
