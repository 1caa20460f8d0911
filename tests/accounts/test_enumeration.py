"""SPEC §2.1: sign-in, reset and sign-up answers never reveal whether an email is registered."""

import re

import pytest
from argon2 import PasswordHasher

from accounts.identity import passwords, services
from tests.accounts.conftest import flashes
from tests.conftest import PASSWORD, link_in, submit

CSRF_INPUT = re.compile(r'name="csrf_token" type="hidden" value="[^"]+"')


def answer(client, url: str, data: dict) -> tuple:
    """What an observer sees: status, Location, and the page it leads to (CSRF token blanked)."""
    response = submit(client, url, data)
    landing = client.get(response.location).get_data(as_text=True)
    return response.status_code, response.location, CSRF_INPUT.sub("", landing), flashes(client.get("/"))


@pytest.fixture
def registered(make_user):
    make_user("alice@example.com", name="Alice")
    return "alice@example.com"


def both(accounts_app, url: str, data_for):
    """The answers for a registered and an unregistered address, each from a fresh browser."""
    known = answer(accounts_app.test_client(), url, data_for("alice@example.com"))
    unknown = answer(accounts_app.test_client(), url, data_for("nobody@example.com"))
    return known, unknown


def test_sign_in_answers_alike_for_a_wrong_password_and_an_unknown_email(accounts_app, registered):
    known, unknown = both(accounts_app, "/sign-in", lambda email: {"email": email, "password": "not the password"})
    assert known[:2] == (303, "/sign-in")
    assert "The email or password is not correct." in known[2]
    assert known[2].replace("alice@", "") == unknown[2].replace("nobody@", "")


def test_reset_answers_alike_for_registered_and_unknown_emails(accounts_app, registered, outbox):
    known, unknown = both(accounts_app, "/reset", lambda email: {"email": email})
    assert known == unknown
    assert known[:2] == (303, "/check-inbox")
    assert "If an account uses that address" in known[2]
    assert [m.to for m in outbox()] == ["alice@example.com"]


def test_sign_up_answers_alike_for_registered_and_new_emails(accounts_app, registered, outbox):
    known, unknown = both(accounts_app, "/sign-up", lambda email: {"name": "Eve", "email": email, "password": PASSWORD})
    assert known == unknown
    assert known[:2] == (303, "/check-inbox")


def test_signing_up_with_a_registered_email_mails_its_owner_instead(accounts_app, client, registered, outbox):
    submit(client, "/sign-up", {"name": "Eve", "email": "ALICE@example.com", "password": "another passphrase"})
    [mail] = outbox("alice@example.com")
    assert mail.subject == "Someone tried to sign up with your email"
    assert "/verify/" not in mail.body
    assert link_in(mail, "/reset")


def test_a_refused_password_at_sign_up_reads_the_same_for_both(accounts_app, registered):
    known, unknown = both(
        accounts_app, "/sign-up", lambda email: {"name": "Eve", "email": email, "password": "password1"}
    )
    assert known[:2] == unknown[:2] == (303, "/sign-up")
    assert "most commonly breached" in known[2]
    assert known[2].replace("alice@", "") == unknown[2].replace("nobody@", "")


@pytest.fixture
def argon2_verifications(monkeypatch):
    """Count every argon2 verification, real or dummy."""
    calls = []
    real = PasswordHasher.verify

    def spy(self, hash, password):
        calls.append(hash)
        return real(self, hash, password)

    monkeypatch.setattr(PasswordHasher, "verify", spy)
    return calls


def test_an_unknown_email_at_sign_in_still_costs_one_password_verification(
    accounts_app, registered, argon2_verifications
):
    answer(accounts_app.test_client(), "/sign-in", {"email": "nobody@example.com", "password": PASSWORD})
    [checked] = argon2_verifications
    params = accounts_app.config["ARGON2_PARAMETERS"]
    # The dummy hash uses the live parameters, so it costs what a real check costs (no timing oracle).
    assert checked == passwords._dummy_hash(**params)
    assert f"m={params['memory_cost']},t={params['time_cost']},p={params['parallelism']}" in checked


def test_a_wrong_password_costs_the_same_one_verification(accounts_app, registered, argon2_verifications):
    answer(accounts_app.test_client(), "/sign-in", {"email": "alice@example.com", "password": "not the password"})
    [checked] = argon2_verifications
    assert checked != passwords._dummy_hash(**accounts_app.config["ARGON2_PARAMETERS"])


def test_sign_up_hashes_the_password_for_registered_and_new_emails(accounts_app, registered, monkeypatch):
    hashed = []
    real = PasswordHasher.hash
    monkeypatch.setattr(PasswordHasher, "hash", lambda self, password, **kw: hashed.append(1) or real(self, password))
    both(accounts_app, "/sign-up", lambda email: {"name": "Eve", "email": email, "password": "another passphrase"})
    assert hashed == [1, 1]


def test_two_sign_ups_racing_for_one_address_answer_alike(accounts_app, client, outbox, monkeypatch):
    submit(client, "/sign-up", {"name": "Bea", "email": "bea@example.com", "password": PASSWORD})
    # The second request looked before the first committed: it only learns at INSERT that the address is taken.
    real_find_user = services.find_user
    looked = []

    def find_user_too_early(email):
        looked.append(email)
        return None if len(looked) == 1 else real_find_user(email)

    monkeypatch.setattr(services, "find_user", find_user_too_early)
    other = accounts_app.test_client()
    response = submit(other, "/sign-up", {"name": "Eve", "email": "bea@example.com", "password": "another passphrase"})
    assert (response.status_code, response.location) == (303, "/check-inbox")
    assert [m.subject for m in outbox("bea@example.com")][-1] == "Someone tried to sign up with your email"
