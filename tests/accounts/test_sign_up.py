"""SPEC §2.1: sign up with name, email, password; verify the address by a single-use, expiring link."""

import re
from datetime import timedelta
from html import escape

import pytest
import time_machine

from common.clock import utcnow
from tests.accounts.conftest import flashes, page, signed_in_as, stored_user
from tests.conftest import PASSWORD, link_in, submit

NEW = {"name": "Bea Baker", "email": "bea@example.com", "password": PASSWORD}


def sign_up(client, **fields):
    return submit(client, "/sign-up", {**NEW, **fields})


def test_sign_up_creates_an_unverified_user_and_mails_a_link(client, accounts_app, outbox):
    response = sign_up(client, email="Bea@Example.COM")
    assert response.status_code == 303
    assert response.location == "/check-inbox"
    assert "Check your inbox" in flashes(client.get("/check-inbox"))[0]
    user = stored_user(accounts_app, "bea@example.com")
    assert user.name == "Bea Baker"
    assert user.email_verified_at is None
    assert user.password_hash.startswith("$argon2id$")
    [mail] = outbox("bea@example.com")
    assert link_in(mail, "/verify/")


def test_in_development_the_mail_is_read_in_the_outbox_page(client, accounts_app, outbox):
    sign_up(client)
    link = link_in(outbox("bea@example.com")[0], "/verify/")
    html = page(client, "/dev/outbox/")
    assert "Confirm your email for Gatehouse" in html
    assert f'href="{accounts_app.config["SITE_URL"]}{link}"' in html


def test_the_verification_link_shows_a_button_and_only_a_post_verifies(client, accounts_app, outbox):
    sign_up(client)
    link = link_in(outbox("bea@example.com")[0], "/verify/")

    assert "Confirm my email" in page(client, link)
    assert stored_user(accounts_app, "bea@example.com").email_verified_at is None  # a mail scanner's GET is harmless

    response = submit(client, link, {})
    assert response.status_code == 303
    assert response.location == "/sign-in"
    assert flashes(client.get("/sign-in")) == ["Your email address is confirmed. You can sign in now."]
    assert stored_user(accounts_app, "bea@example.com").email_verified_at is not None


def test_a_verification_link_works_once(client, outbox):
    sign_up(client)
    link = link_in(outbox("bea@example.com")[0], "/verify/")
    submit(client, link, {})
    response = submit(client, link, {})
    assert response.status_code == 303
    assert "invalid, used or expired" in flashes(client.get("/sign-in"))[-1]


def test_an_expired_verification_link_is_refused(client, accounts_app, outbox):
    sign_up(client)
    link = link_in(outbox("bea@example.com")[0], "/verify/")
    with time_machine.travel(utcnow() + timedelta(hours=24, minutes=1), tick=False):
        submit(client, link, {})
        assert "invalid, used or expired" in flashes(client.get("/sign-in"))[-1]
    assert stored_user(accounts_app, "bea@example.com").email_verified_at is None


def test_a_link_still_works_just_before_it_expires(client, accounts_app, outbox):
    sign_up(client)
    link = link_in(outbox("bea@example.com")[0], "/verify/")
    with time_machine.travel(utcnow() + timedelta(hours=23, minutes=59), tick=False):
        submit(client, link, {})
    assert stored_user(accounts_app, "bea@example.com").email_verified_at is not None


def test_an_unknown_verification_token_is_refused(client):
    submit(client, "/verify/not-a-token", {})
    assert "invalid, used or expired" in flashes(client.get("/sign-in"))[-1]


def test_an_unverified_user_cannot_sign_in_and_gets_a_new_link(client, auth, accounts_app, outbox):
    sign_up(client)
    response = auth.sign_in("bea@example.com", PASSWORD)
    assert response.status_code == 303
    assert response.location == "/check-inbox"
    assert flashes(client.get("/check-inbox")) == ["Confirm your email address first: we sent you a new link."]
    assert signed_in_as(client) is None

    first, second = outbox("bea@example.com")
    assert link_in(first, "/verify/") != link_in(second, "/verify/")
    submit(client, link_in(second, "/verify/"), {})
    auth.sign_in("bea@example.com", PASSWORD)
    assert signed_in_as(client) == "Bea Baker"


LONG_EMAIL = "b" * 250 + "@example.com"


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        ({"name": ""}, "name", "This field is required."),
        ({"name": "   "}, "name", "This field is required."),
        ({"name": "N" * 101}, "name", "Field cannot be longer than 100 characters."),
        ({"name": "Bea\r\nVisit http://evil.example"}, "name", "Use no line breaks or control characters."),
        ({"name": "Bea\tBaker"}, "name", "Use no line breaks or control characters."),
        ({"email": ""}, "email", "This field is required."),
        ({"email": "bea.example.com"}, "email", "Enter a valid email address."),
        ({"email": "bea@localhost"}, "email", "Enter a valid email address."),
        ({"email": LONG_EMAIL}, "email", "Field cannot be longer than 254 characters."),
        ({"password": ""}, "password", "This field is required."),
        ({"password": "Sh0rt!x"}, "password", "Field must be between 8 and 128 characters long."),
        ({"password": "p" * 129}, "password", "Field must be between 8 and 128 characters long."),
        ({"password": "Baseball"}, "password", "This password is one of the most commonly breached; choose another."),
        ({"password": "bea@example.com"}, "password", "Your password must not be your email address."),
    ],
)
def test_invalid_sign_up_answers_303_then_shows_the_error_and_keeps_name_and_email(
    client, accounts_app, outbox, fields, field, message
):
    typed = {**NEW, **fields}
    response = sign_up(client, **fields)
    assert response.status_code == 303
    assert response.location == "/sign-up"

    html = client.get("/sign-up").get_data(as_text=True)
    assert f'<ul class="errors" id="{field}-errors"><li>{escape(message)}</li>' in html
    assert f'value="{escape(typed["name"])}"' in html
    assert f'value="{escape(typed["email"])}"' in html
    if typed["password"] and typed["password"] not in (typed["email"], typed["name"]):
        assert typed["password"] not in html
    assert not re.search(r'type="password" value="[^"]', html)
    assert stored_user(accounts_app, typed["email"].strip().lower()) is None
    assert outbox() == []


def test_the_errors_are_shown_once(client):
    sign_up(client, name="")
    assert "This field is required." in client.get("/sign-up").get_data(as_text=True)
    assert "This field is required." not in client.get("/sign-up").get_data(as_text=True)
