"""Issue 16: asking for sign-in links is rate-limited per address (one inbox) and per IP (many inboxes)."""

import pytest

from tests.accounts.conftest import add_user
from tests.accounts.test_rate_limits import assert_styled_429, from_ip
from tests.conftest import submit

from .conftest import ASK


@pytest.fixture
def limited(accounts_app_with):
    """Accounts allowing 2 link requests per address and 3 per IP."""
    app = accounts_app_with(
        RATELIMIT_MAGIC_LINK_PER_ADDRESS="2 per 15 minutes", RATELIMIT_MAGIC_LINK_PER_IP="3 per 15 minutes"
    )
    add_user(app)
    return app


def ask(client, email: str):
    return submit(client, ASK, {"email": email})


def test_link_requests_are_limited_per_address(limited):
    for n in range(2):
        assert ask(from_ip(limited, f"198.51.100.{n}"), "alice@example.com").status_code == 303
    # Rotating IPs does not flood one inbox; the address is matched as sign-in matches it.
    assert_styled_429(ask(from_ip(limited, "203.0.113.9"), "Alice@Example.com"))
    assert ask(from_ip(limited, "203.0.113.9"), "bob@example.com").status_code == 303


def test_link_requests_are_limited_per_ip(limited):
    client = from_ip(limited, "198.51.100.1")
    for n in range(3):
        assert ask(client, f"user{n}@example.com").status_code == 303
    assert_styled_429(ask(client, "someone-else@example.com"))
    assert ask(from_ip(limited, "198.51.100.2"), "other@example.com").status_code == 303


def test_unknown_addresses_count_like_known_ones(limited):
    for _ in range(2):
        assert ask(from_ip(limited, "198.51.100.7"), "nobody@example.com").status_code == 303
    assert_styled_429(ask(from_ip(limited, "198.51.100.8"), "nobody@example.com"))


def test_the_request_page_itself_stays_reachable(limited):
    client = from_ip(limited, "198.51.100.1")
    for n in range(4):
        ask(client, f"user{n}@example.com")
    assert client.get(ASK).status_code == 200


def test_opening_links_is_limited_per_ip(accounts_app_with):
    app = accounts_app_with(RATELIMIT_SIGNIN_PER_IP="3 per minute")
    client = from_ip(app, "198.51.100.1")
    for _ in range(3):
        assert client.get(ASK + "/" + "a" * 43).status_code == 404
    assert_styled_429(client.get(ASK + "/" + "a" * 43))
