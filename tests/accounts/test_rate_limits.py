"""Issue 2: sign-in and password reset are rate-limited by IP and by account; the answer is a styled 429."""

import pytest

import accounts
from common.settings import ConfigError
from tests.accounts.conftest import add_user, signed_in_as
from tests.conftest import PASSWORD, submit

WRONG = "not the password at all"


def from_ip(app, ip: str):
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = ip
    return client


def sign_in(client, email: str = "alice@example.com", password: str = WRONG):
    return submit(client, "/sign-in", {"email": email, "password": password})


def assert_styled_429(response):
    assert response.status_code == 429
    html = response.get_data(as_text=True)
    assert "Too many attempts. Please wait a little and try again." in html
    assert "/static/gatehouse.css" in html
    assert "Traceback" not in html
    assert int(response.headers["Retry-After"]) > 0


@pytest.fixture
def per_ip(accounts_app_with):
    """Accounts with a sign-in limit of 3 per IP (and a generous one per account)."""
    app = accounts_app_with(RATELIMIT_SIGNIN_PER_IP="3 per minute", RATELIMIT_SIGNIN_PER_ACCOUNT="100 per minute")
    add_user(app)
    return app


@pytest.fixture
def per_account(accounts_app_with):
    """Accounts with a sign-in limit of 3 failures per account (and a generous one per IP)."""
    app = accounts_app_with(RATELIMIT_SIGNIN_PER_IP="100 per minute", RATELIMIT_SIGNIN_PER_ACCOUNT="3 per 15 minutes")
    add_user(app)
    add_user(app, "bob@example.com", name="Bob")
    return app


def test_sign_in_is_limited_per_ip(per_ip):
    client = from_ip(per_ip, "198.51.100.1")
    for n in range(3):
        assert sign_in(client, f"user{n}@example.com").status_code == 303
    assert_styled_429(sign_in(client, "someone-else@example.com"))
    # Even the right password waits: the limit protects against guessing, not just failures.
    assert_styled_429(sign_in(client, password=PASSWORD))
    assert sign_in(from_ip(per_ip, "198.51.100.2")).status_code == 303  # other addresses are unaffected


def test_the_sign_in_page_itself_stays_reachable(per_ip):
    client = from_ip(per_ip, "198.51.100.1")
    for _ in range(4):
        sign_in(client)
    assert client.get("/sign-in").status_code == 200


def test_sign_in_is_limited_per_account_across_ips(per_account):
    for n in range(3):
        assert sign_in(from_ip(per_account, f"198.51.100.{n}")).status_code == 303
    # A botnet spreading guesses over many addresses still meets the per-account limit.
    assert_styled_429(sign_in(from_ip(per_account, "203.0.113.50")))
    assert_styled_429(sign_in(from_ip(per_account, "203.0.113.51"), "ALICE@example.com "))
    assert sign_in(from_ip(per_account, "203.0.113.52"), "bob@example.com").status_code == 303


def test_only_failed_attempts_count_toward_the_account_limit(per_account):
    for n in range(2):
        sign_in(from_ip(per_account, f"198.51.100.{n}"))
    for n in range(5):
        client = from_ip(per_account, f"192.0.2.{n}")
        assert sign_in(client, password=PASSWORD).status_code == 303
        assert signed_in_as(client) == "Alice"
    assert sign_in(from_ip(per_account, "203.0.113.1")).status_code == 303  # the third failure is still allowed
    assert_styled_429(sign_in(from_ip(per_account, "203.0.113.2"), password=PASSWORD))


def test_unknown_accounts_are_limited_like_known_ones(per_account):
    for n in range(3):
        sign_in(from_ip(per_account, f"198.51.100.{n}"), "nobody@example.com")
    assert_styled_429(sign_in(from_ip(per_account, "203.0.113.1"), "nobody@example.com"))


@pytest.fixture
def limited_reset(accounts_app_with):
    app = accounts_app_with(RATELIMIT_RESET="2 per 15 minutes")
    add_user(app)
    return app


def test_reset_requests_are_limited_per_ip(limited_reset):
    client = from_ip(limited_reset, "198.51.100.1")
    assert submit(client, "/reset", {"email": "a@example.com"}).status_code == 303
    assert submit(client, "/reset", {"email": "b@example.com"}).status_code == 303
    assert_styled_429(submit(client, "/reset", {"email": "c@example.com"}))


def test_reset_requests_are_limited_per_account(limited_reset):
    for n in range(2):
        assert (
            submit(from_ip(limited_reset, f"198.51.100.{n}"), "/reset", {"email": "alice@example.com"}).status_code
            == 303
        )
    # Nobody can flood an inbox with reset mail by rotating addresses.
    assert_styled_429(submit(from_ip(limited_reset, "203.0.113.9"), "/reset", {"email": "Alice@Example.com"}))


def test_the_429_page_answers_json_to_json_clients(per_ip):
    client = from_ip(per_ip, "198.51.100.1")
    for _ in range(3):
        sign_in(client)
    response = submit(
        client, "/sign-in", {"email": "a@example.com", "password": WRONG}, headers={"Accept": "application/json"}
    )
    assert response.status_code == 429
    assert response.get_json()["error"] == "Too Many Requests"


def test_sign_up_is_limited_per_address(accounts_app_with):
    app = accounts_app_with(RATELIMIT_SIGNIN_PER_IP="100 per minute", RATELIMIT_SIGNUP_PER_ADDRESS="2 per hour")
    form = {"name": "Mallory", "email": "victim@example.com", "password": "a fine long passphrase"}
    for n in range(2):
        assert submit(from_ip(app, f"203.0.113.{n}"), "/sign-up", form).status_code == 303
    # A third sign-up from yet another address would mail the same inbox again: refused.
    assert_styled_429(submit(from_ip(app, "203.0.113.9"), "/sign-up", form))
    other = form | {"email": "someone-else@example.com"}
    assert submit(from_ip(app, "203.0.113.9"), "/sign-up", other).status_code == 303


def test_wrong_current_passwords_on_change_password_are_limited(accounts_app_with):
    app = accounts_app_with(RATELIMIT_PASSWORD_CHECK="2 per 15 minutes")
    add_user(app)
    client = app.test_client()
    sign_in(client, password=PASSWORD)
    change = {"current_password": WRONG, "password": "a brand new passphrase", "confirm": "a brand new passphrase"}
    for _ in range(2):
        assert submit(client, "/account/password", change).status_code == 303
    assert_styled_429(submit(client, "/account/password", change))
    assert_styled_429(submit(client, "/account/password", change | {"current_password": PASSWORD}))
    assert signed_in_as(client) == "Alice", "the limit answers; it does not sign anyone out"


def test_a_rejected_new_password_does_not_count_as_a_guess(accounts_app_with):
    app = accounts_app_with(RATELIMIT_PASSWORD_CHECK="1 per 15 minutes")
    add_user(app)
    client = app.test_client()
    sign_in(client, password=PASSWORD)
    too_short = {"current_password": PASSWORD, "password": "short", "confirm": "short"}
    for _ in range(2):
        assert submit(client, "/account/password", too_short).status_code == 303


def test_rate_limits_can_be_switched_off_outside_production(monkeypatch, accounts_app_with):
    monkeypatch.setenv("GATEHOUSE_RATE_LIMITS", "off")
    app = accounts_app_with(RATELIMIT_SIGNIN_PER_IP="1 per minute")
    add_user(app)
    client = from_ip(app, "198.51.100.1")
    for _ in range(3):
        assert sign_in(client).status_code == 303


def test_rate_limits_off_is_refused_in_production(monkeypatch):
    monkeypatch.setenv("GATEHOUSE_ENV", "production")
    monkeypatch.setenv("SMTP_HOST", "smtp.example.test")
    monkeypatch.setenv("ACCOUNTS_SECRET_KEY", "kM3q9ZxT7vLw2RbN8yHc4JfPd6GsEa1Uo5Ki0WnVrQ")
    monkeypatch.setenv("GATEHOUSE_RATE_LIMITS", "off")
    with pytest.raises(ConfigError, match="GATEHOUSE_RATE_LIMITS=off is refused in production"):
        accounts.create_app()


def test_an_unknown_rate_limits_setting_is_refused(monkeypatch):
    monkeypatch.setenv("GATEHOUSE_RATE_LIMITS", "maybe")
    with pytest.raises(ConfigError, match="GATEHOUSE_RATE_LIMITS must be on or off"):
        accounts.create_app()
