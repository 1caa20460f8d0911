"""SPEC §2.1: argon2id at OWASP cost, rehash on login, NIST length rules and a common-password list."""

import pytest
from sqlalchemy import select

import accounts
from accounts.extensions import db
from accounts.identity.models import User
from accounts.identity.passwords import (
    MAX_LENGTH,
    MIN_LENGTH,
    common_passwords,
    hash_password,
    password_problems,
    verify_password,
)
from tests.conftest import FAST_ARGON2, PASSWORD

OWASP = {"time_cost": 2, "memory_cost": 19 * 1024, "parallelism": 1}


def test_production_uses_argon2id_with_the_owasp_parameters():
    app = accounts.create_app({"MAIL_SERVER": None})  # no test overrides: the shipped defaults
    assert app.config["ARGON2_PARAMETERS"] == OWASP
    encoded = hash_password(PASSWORD, app.config["ARGON2_PARAMETERS"])
    assert encoded.startswith("$argon2id$v=19$m=19456,t=2,p=1$")
    assert verify_password(encoded, PASSWORD, OWASP) == (True, None)


def test_each_hash_is_salted():
    assert hash_password(PASSWORD, FAST_ARGON2) != hash_password(PASSWORD, FAST_ARGON2)


def test_verify_answers_false_for_a_wrong_password_or_a_broken_hash():
    encoded = hash_password(PASSWORD, FAST_ARGON2)
    assert verify_password(encoded, "not the password", FAST_ARGON2) == (False, None)
    assert verify_password("not-a-hash", PASSWORD, FAST_ARGON2) == (False, None)
    assert verify_password("", PASSWORD, FAST_ARGON2) == (False, None)


def test_verify_offers_a_new_hash_when_the_parameters_changed():
    old = hash_password(PASSWORD, FAST_ARGON2)
    stronger = {**FAST_ARGON2, "time_cost": 2}
    ok, new = verify_password(old, PASSWORD, stronger)
    assert ok
    assert new.startswith(f"$argon2id$v=19$m={FAST_ARGON2['memory_cost']},t=2,p=1$")
    assert verify_password(new, PASSWORD, stronger) == (True, None)


def stored_hash(app, email: str = "alice@example.com") -> str:
    with app.app_context():
        return db.session.scalar(select(User.password_hash).where(User.email == email))


def test_signing_in_rehashes_with_the_current_parameters(client, auth, accounts_app, make_user):
    make_user()
    before = stored_hash(accounts_app)
    assert f"m={FAST_ARGON2['memory_cost']},t=1," in before

    accounts_app.config["ARGON2_PARAMETERS"] = {"time_cost": 2, "memory_cost": 2048, "parallelism": 1}
    auth.sign_in()
    after = stored_hash(accounts_app)
    assert after.startswith("$argon2id$v=19$m=2048,t=2,p=1$")

    auth.sign_in()
    assert stored_hash(accounts_app) == after  # unchanged parameters: no needless rewrite


def test_a_failed_sign_in_does_not_rehash(auth, accounts_app, make_user):
    make_user()
    before = stored_hash(accounts_app)
    accounts_app.config["ARGON2_PARAMETERS"] = {"time_cost": 2, "memory_cost": 2048, "parallelism": 1}
    auth.sign_in(password="not the password")
    assert stored_hash(accounts_app) == before


@pytest.mark.parametrize(
    ("password", "problem"),
    [
        ("", "Use at least 8 characters."),
        ("seven77", "Use at least 8 characters."),
        ("x" * (MIN_LENGTH - 1), "Use at least 8 characters."),
        ("x" * (MAX_LENGTH + 1), "Use at most 128 characters."),
        ("password", "This password is one of the most commonly breached; choose another."),
        ("PassWord", "This password is one of the most commonly breached; choose another."),
        ("12345678", "This password is one of the most commonly breached; choose another."),
        ("qwertyuiop", "This password is one of the most commonly breached; choose another."),
        ("alice@example.com", "Your password must not be your email address."),
        ("Alice Example", "Your password must not be your name."),
        ("zq" * 4, None),
        ("x" * MIN_LENGTH, None),
        ("x" * MAX_LENGTH, None),
        ("all lower case words", None),  # no composition rules (NIST 800-63B §3.1.1.2)
        ("ünïcödé pässwörd", None),
        ("        ", None),  # spaces count like any other character
    ],
)
def test_password_rules(password, problem):
    problems = password_problems(password, email="alice@example.com", name="Alice Example")
    assert problems == ([problem] if problem else [])


def test_the_common_list_is_shipped_and_all_of_it_would_pass_the_length_rule():
    words = common_passwords()
    assert len(words) > 10_000
    assert all(len(word) >= MIN_LENGTH for word in words)
