"""`seed-demo` gives bob 2FA with the documented secret; `mfa code` prints the current code, never in production."""

from accounts.cli import DEMO_TOTP_SECRET, DEMO_TOTP_USER
from accounts.mfa import totp
from common.clock import utcnow
from tests.accounts.mfa.conftest import code_now, second_step


def test_seed_demo_enrols_bob_and_says_how_to_get_a_code(accounts_app, clock):
    runner = accounts_app.test_cli_runner()
    result = runner.invoke(args=["seed-demo"])
    assert result.exit_code == 0, result.output
    assert DEMO_TOTP_SECRET in result.output and f"flask --app app mfa code {DEMO_TOTP_USER}" in result.output
    result = runner.invoke(args=["mfa", "code", DEMO_TOTP_USER])
    assert result.output.strip() == totp.code_at(DEMO_TOTP_SECRET, utcnow())
    assert runner.invoke(args=["seed-demo"]).exit_code == 0  # idempotent


def test_demo_secret_signs_bob_in(accounts_app, client, auth, clock):
    accounts_app.test_cli_runner().invoke(args=["seed-demo"])
    assert auth.sign_in(DEMO_TOTP_USER, "bob-demo-password").headers["Location"] == "/sign-in/two-factor"
    assert second_step(client, code_now(DEMO_TOTP_SECRET)).headers["Location"] == "/"


def test_mfa_code_prints_the_current_code(accounts_app, enrolled):
    result = accounts_app.test_cli_runner().invoke(args=["mfa", "code", enrolled.email])
    assert result.exit_code == 0
    assert result.output.strip() == code_now(enrolled.secret)


def test_mfa_code_refuses_users_without_2fa(accounts_app, make_user):
    make_user("alice@example.com")
    result = accounts_app.test_cli_runner().invoke(args=["mfa", "code", "alice@example.com"])
    assert result.exit_code != 0 and "does not have two-factor authentication on" in result.output
    result = accounts_app.test_cli_runner().invoke(args=["mfa", "code", "nobody@example.com"])
    assert result.exit_code != 0


def test_mfa_code_refuses_in_production(accounts_app, enrolled):
    accounts_app.config["GATEHOUSE_ENV"] = "production"
    result = accounts_app.test_cli_runner().invoke(args=["mfa", "code", enrolled.email])
    assert result.exit_code != 0
    assert "development only" in result.output
    assert code_now(enrolled.secret) not in result.output
