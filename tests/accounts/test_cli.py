"""Issue 2: `flask --app app users create` and `flask --app app seed-demo`."""

import pytest
from sqlalchemy import func, select

from accounts.cli import DEMO_USERS
from accounts.extensions import db
from accounts.identity.models import User
from tests.accounts.conftest import signed_in_as, stored_user
from tests.conftest import Auth


@pytest.fixture
def runner(accounts_app):
    return accounts_app.test_cli_runner()


def user_count(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(User))


def test_users_create_makes_a_verified_user_who_can_sign_in(runner, accounts_app, client):
    result = runner.invoke(
        args=["users", "create", "--email", "Dana@Example.com", "--password", "dana's passphrase", "--name", "Dana"]
    )
    assert result.exit_code == 0, result.output
    assert "<dana@example.com>" in result.output
    user = stored_user(accounts_app, "dana@example.com")
    assert user.email_verified_at is not None
    assert not user.is_admin
    assert user.password_hash.startswith("$argon2id$")
    Auth(client).sign_in("dana@example.com", "dana's passphrase")
    assert signed_in_as(client) == "Dana"


def test_users_create_admin(runner, accounts_app):
    result = runner.invoke(
        args=[
            "users",
            "create",
            "--email",
            "root@example.com",
            "--password",
            "root's passphrase",
            "--name",
            "Root",
            "--admin",
        ]
    )
    assert result.exit_code == 0, result.output
    assert "(admin)" in result.output
    assert stored_user(accounts_app, "root@example.com").is_admin


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--email", "e@example.com", "--password", "short", "--name", "E"], "Use at least 8 characters."),
        (["--email", "e@example.com", "--password", "password1", "--name", "E"], "most commonly breached"),
        (["--email", "e@example.com", "--name", "E"], "Missing option '--password'"),
        (["--email", "not-an-email", "--password", "a fine passphrase", "--name", "E"], "not a valid email"),
        (["--email", "e@example.com", "--password", "a fine passphrase", "--name", ""], "The name must be"),
        (["--email", "e@example.com", "--password", "a fine passphrase", "--name", "E\nF"], "The name must be"),
    ],
)
def test_users_create_refuses_bad_input(runner, accounts_app, args, message):
    result = runner.invoke(args=["users", "create", *args])
    assert result.exit_code != 0
    assert message in result.output
    assert user_count(accounts_app) == 0


def test_users_create_refuses_an_existing_email_in_any_case(runner, accounts_app, make_user):
    make_user("alice@example.com")
    result = runner.invoke(
        args=["users", "create", "--email", "ALICE@example.com", "--password", "a fine passphrase", "--name", "A"]
    )
    assert result.exit_code != 0
    assert "already exists" in result.output
    assert user_count(accounts_app) == 1


def test_seed_demo_creates_an_admin_and_two_users_and_prints_the_logins(runner, accounts_app, client):
    result = runner.invoke(args=["seed-demo"])
    assert result.exit_code == 0, result.output
    for email, _, password, admin in DEMO_USERS:
        assert email in result.output and password in result.output
        assert stored_user(accounts_app, email).is_admin is admin
    assert [admin for *_, admin in DEMO_USERS].count(True) == 1
    email, name, password, _ = DEMO_USERS[1]
    Auth(client).sign_in(email, password)
    assert signed_in_as(client) == name


def test_seed_demo_is_idempotent(runner, accounts_app):
    first = runner.invoke(args=["seed-demo"])
    hashes = {email: stored_user(accounts_app, email).password_hash for email, *_ in DEMO_USERS}
    second = runner.invoke(args=["seed-demo"])
    assert second.exit_code == 0, second.output
    assert second.output == first.output
    assert user_count(accounts_app) == len(DEMO_USERS)
    assert {email: stored_user(accounts_app, email).password_hash for email, *_ in DEMO_USERS} == hashes
