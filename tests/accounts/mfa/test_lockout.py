"""Wrong second-factor codes are limited per account (5 per 15 minutes), shared by every process."""

from datetime import datetime, timedelta

import accounts
from accounts.extensions import db
from accounts.mfa import lockout
from tests.accounts.mfa.conftest import CHALLENGE, cancel, code_now, events, second_step
from tests.conftest import Auth, accounts_overrides

WRONG = "000000"


def wrong_codes(client, auth, enrolled, times: int):
    auth.sign_in(enrolled.email, enrolled.password)
    for _ in range(times):
        second_step(client, WRONG if code_now(enrolled.secret) != WRONG else "111111")


def test_each_wrong_code_says_how_many_tries_are_left(client, auth, enrolled):
    wrong_codes(client, auth, enrolled, 1)
    assert "That code is not right (4 tries left)" in client.get(CHALLENGE).get_data(as_text=True)


def test_fifth_wrong_code_locks_and_even_the_right_code_is_refused(accounts_app, client, auth, enrolled):
    wrong_codes(client, auth, enrolled, 5)
    page = client.get(CHALLENGE).get_data(as_text=True)
    assert "Too many wrong codes" in page and "until 09:15 UTC" in page
    response = second_step(client, code_now(enrolled.secret))
    assert response.headers["Location"] == CHALLENGE
    assert "Too many wrong codes" in client.get(CHALLENGE).get_data(as_text=True)
    assert client.get("/sessions/").headers["Location"] == CHALLENGE  # still half signed in
    [event] = events(accounts_app, "mfa.locked_out")
    assert event.actor_id == enrolled.id


def test_owner_is_mailed_once_when_locked(client, auth, enrolled, outbox):
    wrong_codes(client, auth, enrolled, 5)
    second_step(client, WRONG)
    [mail] = outbox(enrolled.email)
    assert "entered your password correctly" in mail.body and "2030-01-15 09:15 UTC" in mail.body


def test_backup_codes_are_locked_out_too(client, auth, enrolled):
    wrong_codes(client, auth, enrolled, 5)
    assert second_step(client, enrolled.backup_codes[0]).headers["Location"] == CHALLENGE


def test_lock_releases_after_the_window(client, auth, enrolled, clock):
    wrong_codes(client, auth, enrolled, 5)
    clock.shift(timedelta(minutes=14, seconds=59))
    auth.sign_in(enrolled.email, enrolled.password)
    assert second_step(client, code_now(enrolled.secret)).headers["Location"] == CHALLENGE
    cancel(client)
    clock.shift(timedelta(seconds=1))
    auth.sign_in(enrolled.email, enrolled.password)
    assert second_step(client, code_now(enrolled.secret)).headers["Location"] == "/"


def test_lockout_is_shared_across_processes(accounts_app, client, auth, enrolled):
    wrong_codes(client, auth, enrolled, 5)
    other_app = accounts.create_app(accounts_overrides())
    other = other_app.test_client()
    Auth(other).sign_in(enrolled.email, enrolled.password)
    assert second_step(other, code_now(enrolled.secret)).headers["Location"] == CHALLENGE
    assert "Too many wrong codes" in other.get(CHALLENGE).get_data(as_text=True)
    with other_app.app_context():
        db.engine.dispose()


def test_a_right_code_clears_the_failures(client, auth, enrolled, clock):
    wrong_codes(client, auth, enrolled, 4)
    second_step(client, code_now(enrolled.secret))
    auth.sign_out()
    clock.shift(timedelta(seconds=30))
    wrong_codes(client, auth, enrolled, 1)
    assert "(4 tries left)" in client.get(CHALLENGE).get_data(as_text=True)


POLICY = lockout.LockoutPolicy(limit=3, window=timedelta(minutes=10))
T0 = datetime(2030, 1, 1, 12, 0)


def test_reserve_attempt_counts_until_the_limit(accounts_app, enrolled):
    with accounts_app.app_context():
        ids = [lockout.reserve_attempt(enrolled.id, POLICY, T0 + timedelta(minutes=i)) for i in range(3)]
        assert all(ids)
        assert lockout.attempts_left(enrolled.id, POLICY, T0 + timedelta(minutes=3)) == 0
        assert lockout.locked_until(enrolled.id, POLICY, T0 + timedelta(minutes=3)) == T0 + timedelta(minutes=10)
        assert lockout.reserve_attempt(enrolled.id, POLICY, T0 + timedelta(minutes=3)) is None
        # Refused attempts do not push the lock further out.
        assert lockout.locked_until(enrolled.id, POLICY, T0 + timedelta(minutes=9)) == T0 + timedelta(minutes=10)
        assert lockout.reserve_attempt(enrolled.id, POLICY, T0 + timedelta(minutes=10)) is not None


def test_clear_failures_resets_the_count(accounts_app, enrolled):
    with accounts_app.app_context():
        lockout.reserve_attempt(enrolled.id, POLICY, T0)
        lockout.clear_failures(enrolled.id)
        db.session.commit()
        assert lockout.attempts_left(enrolled.id, POLICY, T0) == 3
