"""SPEC §2.1: password reset by a single-use, 30-minute email link; every session of the user ends."""

from datetime import timedelta

import pytest
import time_machine

from common.clock import utcnow
from tests.accounts.conftest import flashes, session_rows, signed_in_as, stored_user
from tests.conftest import PASSWORD, Auth, csrf_token, link_in, submit

NEW_PASSWORD = "a brand new passphrase"


def request_reset(client, outbox, email: str = "alice@example.com") -> str:
    """Ask for a reset link and return its path."""
    response = submit(client, "/reset", {"email": email})
    assert response.status_code == 303
    return link_in(outbox(email)[-1], "/reset/")


def choose(client, link: str, password: str = NEW_PASSWORD, confirm: str | None = None):
    return submit(client, link, {"password": password, "confirm": password if confirm is None else confirm})


def post_to_dead_link(client, link: str):
    """POST a new password to a link whose form no longer shows (token from another form)."""
    data = {"csrf_token": csrf_token(client, "/reset"), "password": NEW_PASSWORD, "confirm": NEW_PASSWORD}
    return client.post(link, data=data)


def test_the_reset_mail_carries_a_link_to_choose_a_new_password(client, make_user, outbox):
    make_user()
    link = request_reset(client, outbox)
    [mail] = outbox("alice@example.com")
    assert mail.subject == "Reset your Gatehouse password"
    assert "30 minutes" in mail.body
    assert "Choose a new password" in client.get(link).get_data(as_text=True)


def test_the_new_password_works_and_the_old_one_does_not(client, make_user, outbox):
    make_user()
    link = request_reset(client, outbox)
    response = choose(client, link)
    assert response.status_code == 303
    assert response.location == "/sign-in"
    assert "every session signed out" in flashes(client.get("/sign-in"))[0]

    auth = Auth(client)
    auth.sign_in(password=PASSWORD)
    assert signed_in_as(client) is None
    auth.sign_in(password=NEW_PASSWORD)
    assert signed_in_as(client) == "Alice"


def test_a_reset_never_signs_you_in(client, make_user, outbox):
    make_user()
    choose(client, request_reset(client, outbox))
    # Signing in again goes through every factor the account has (SPEC §2.1: no 2FA bypass).
    assert signed_in_as(client) is None


def test_a_reset_link_works_once(client, make_user, outbox):
    make_user()
    link = request_reset(client, outbox)
    choose(client, link)
    response = client.get(link)
    assert response.status_code == 404
    assert "This link is not valid" in response.get_data(as_text=True)
    assert post_to_dead_link(client, link).status_code == 404


def test_a_reset_link_expires_after_30_minutes(client, accounts_app, make_user, outbox):
    make_user()
    link = request_reset(client, outbox)
    with time_machine.travel(utcnow() + timedelta(minutes=29), tick=False):
        assert client.get(link).status_code == 200
    with time_machine.travel(utcnow() + timedelta(minutes=30, seconds=1), tick=False):
        assert client.get(link).status_code == 404
        assert post_to_dead_link(client, link).status_code == 404
    assert Auth(client).sign_in(password=PASSWORD).location == "/"


@pytest.mark.parametrize("token", ["not-a-token", "x" * 129, "%E2%80%AE", "A" * 43])
def test_an_invalid_reset_link_is_a_styled_404(client, token):
    response = client.get(f"/reset/{token}")
    assert response.status_code == 404
    html = response.get_data(as_text=True)
    assert "This link is not valid" in html
    assert "/static/gatehouse.css" in html


def test_a_new_password_ends_older_reset_links(client, make_user, outbox):
    make_user()
    older = request_reset(client, outbox)
    newer = request_reset(client, outbox)
    choose(client, newer)
    assert client.get(older).status_code == 404


def test_every_session_of_the_user_ends(accounts_app, make_user, outbox):
    alice = make_user()
    laptop, phone, stranger = (accounts_app.test_client() for _ in range(3))
    for browser in (laptop, phone):
        Auth(browser).sign_in()
    assert len(session_rows(accounts_app, alice.id)) == 2

    choose(stranger, request_reset(stranger, outbox))
    assert signed_in_as(laptop) is None
    assert signed_in_as(phone) is None
    assert session_rows(accounts_app, alice.id) == []


def test_resetting_while_signed_in_signs_that_browser_out_too(client, make_user, outbox):
    make_user()
    Auth(client).sign_in()
    choose(client, request_reset(client, outbox))
    assert "every session signed out" in flashes(client.get("/sign-in"))[0]
    assert signed_in_as(client) is None


def test_the_user_is_told_by_mail(client, make_user, outbox):
    make_user()
    choose(client, request_reset(client, outbox))
    assert outbox("alice@example.com")[-1].subject == "Your Gatehouse password was changed"


@pytest.mark.parametrize(
    ("password", "confirm", "message"),
    [
        ("short", "short", "Field must be between 8 and 128 characters long."),
        ("q" * 129, "q" * 129, "Field must be between 8 and 128 characters long."),
        ("iloveyou", "iloveyou", "one of the most commonly breached"),
        ("alice@example.com", "alice@example.com", "must not be your email address"),
        (NEW_PASSWORD, "something else", "The passwords do not match."),
        ("", "", "This field is required."),
    ],
)
def test_a_refused_new_password_keeps_the_link_usable(client, make_user, outbox, password, confirm, message):
    make_user()
    link = request_reset(client, outbox)
    response = choose(client, link, password, confirm)
    assert response.status_code == 303
    assert response.location == link
    assert message in client.get(link).get_data(as_text=True)
    assert choose(client, link).location == "/sign-in"


def test_a_reset_confirms_an_unverified_address(client, accounts_app, outbox):
    submit(client, "/sign-up", {"name": "Bea", "email": "bea@example.com", "password": PASSWORD})
    choose(client, request_reset(client, outbox, "bea@example.com"))
    # The link reached the inbox, which is what verification proves.
    assert stored_user(accounts_app, "bea@example.com").email_verified_at is not None


@pytest.mark.parametrize("email", ["", "not an email", "a" * 300 + "@example.com"])
def test_an_invalid_reset_request_is_shown_again(client, outbox, email):
    response = submit(client, "/reset", {"email": email})
    assert response.status_code == 303
    assert response.location == "/reset"
    assert 'id="email-errors"' in client.get("/reset").get_data(as_text=True)
    assert outbox() == []


def test_the_demo_users_at_the_reserved_test_domain_can_reset(client, make_user, outbox):
    # The demo users live under .test (RFC 6761); the email rule must not lock them out of the reset form.
    make_user("alice@gatehouse.test")
    assert client.get(request_reset(client, outbox, "alice@gatehouse.test")).status_code == 200
