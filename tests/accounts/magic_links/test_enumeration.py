"""SPEC §2.1: asking for a sign-in link answers alike whether or not the address has an account."""

import re

import pytest

from accounts.extensions import db
from accounts.identity.models import User
from common.clock import utcnow
from tests.accounts.conftest import flashes
from tests.accounts.test_enumeration import CSRF_INPUT
from tests.conftest import submit

from .conftest import ASK

EXPIRES = re.compile(r" ?Expires=[^;]*;")


def answer(client, email: str) -> tuple:
    """What an observer sees: status, Location, which cookies were set (not their values), the page it leads to."""
    response = submit(client, ASK, {"email": email})
    # Attributes but not values; Expires is dropped (Max-Age stays): two calls may straddle a second.
    cookies = sorted(
        EXPIRES.sub("", h.split("=", 1)[0] + h.split(";", 1)[1]) for h in response.headers.getlist("Set-Cookie")
    )
    landing = client.get(response.location).get_data(as_text=True)
    return response.status_code, response.location, cookies, CSRF_INPUT.sub("", landing), flashes(client.get("/"))


def test_a_known_and_an_unknown_address_get_the_same_answer(accounts_app, make_user, outbox):
    make_user("alice@example.com")
    known = answer(accounts_app.test_client(), "alice@example.com")
    unknown = answer(accounts_app.test_client(), "nobody@example.com")
    assert known == unknown
    assert known[:2] == (303, "/check-inbox")
    assert any(c.startswith("gatehouse_accounts_link") for c in known[2]), "the browser cookie is set either way"
    assert "If an account uses that address, we sent it a sign-in link." in known[3]
    assert [m.to for m in outbox()] == ["alice@example.com"]


@pytest.mark.parametrize("state", ["unconfirmed", "banned"])
def test_an_account_that_may_not_sign_in_answers_like_an_unknown_one(accounts_app, make_user, outbox, state):
    alice = make_user("alice@example.com")
    with accounts_app.app_context():
        user = db.session.get(User, alice.id)
        if state == "banned":
            user.banned_at = utcnow()
        else:
            user.email_verified_at = None
        db.session.commit()
    assert answer(accounts_app.test_client(), "alice@example.com") == answer(
        accounts_app.test_client(), "nobody@example.com"
    )
    assert outbox() == []
