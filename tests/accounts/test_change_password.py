"""SPEC §2.1: changing the password needs the current one; every other session ends; the user is told."""

import pytest

from tests.accounts.conftest import flashes, session_rows, signed_in_as
from tests.conftest import PASSWORD, Auth, submit

NEW_PASSWORD = "a brand new passphrase"


def change(client, current: str = PASSWORD, password: str = NEW_PASSWORD, confirm: str | None = None):
    data = {"current_password": current, "password": password, "confirm": password if confirm is None else confirm}
    return submit(client, "/account/password", data)


@pytest.fixture
def alice(make_user, auth):
    user = make_user()
    auth.sign_in()
    return user


def test_the_page_needs_a_signed_in_user(client):
    response = client.get("/account/password")
    assert response.status_code == 302
    assert response.location == "/sign-in?next=/account/password"


def test_the_new_password_replaces_the_old_one(client, alice):
    response = change(client)
    assert response.status_code == 303
    assert response.location == "/"
    assert flashes(client.get("/")) == ["Your password was changed. Your other sessions were signed out."]

    other = client.application.test_client()
    Auth(other).sign_in(password=PASSWORD)
    assert signed_in_as(other) is None
    Auth(other).sign_in(password=NEW_PASSWORD)
    assert signed_in_as(other) == "Alice"


def test_a_wrong_current_password_changes_nothing(client, alice):
    response = change(client, current="not my password")
    assert response.status_code == 303
    assert response.location == "/account/password"
    html = client.get("/account/password").get_data(as_text=True)
    assert '<ul class="errors" id="current_password-errors"><li>Your current password is not correct.</li>' in html
    other = client.application.test_client()
    Auth(other).sign_in(password=PASSWORD)
    assert signed_in_as(other) == "Alice"


@pytest.mark.parametrize(
    ("password", "confirm", "field", "message"),
    [
        ("", "", "password", "This field is required."),
        ("short", "short", "password", "Field must be between 8 and 128 characters long."),
        ("z" * 129, "z" * 129, "password", "Field must be between 8 and 128 characters long."),
        ("trustno1", "trustno1", "password", "one of the most commonly breached"),
        ("ALICE@example.com", "ALICE@example.com", "password", "must not be your email address"),
        (NEW_PASSWORD, "a different passphrase", "confirm", "The passwords do not match."),
    ],
)
def test_the_new_password_follows_the_rules(client, alice, password, confirm, field, message):
    response = change(client, password=password, confirm=confirm)
    assert response.status_code == 303
    html = client.get("/account/password").get_data(as_text=True)
    assert f'id="{field}-errors"' in html
    assert message in html
    assert PASSWORD not in html
    assert signed_in_as(client) == "Alice"


def test_other_sessions_end_and_this_one_stays(client, accounts_app, alice):
    phone, tablet = accounts_app.test_client(), accounts_app.test_client()
    Auth(phone).sign_in()
    Auth(tablet).sign_in()
    assert len(session_rows(accounts_app, alice.id)) == 3

    change(client)
    assert signed_in_as(client) == "Alice"
    assert signed_in_as(phone) is None
    assert signed_in_as(tablet) is None
    assert len(session_rows(accounts_app, alice.id)) == 1


def test_the_user_is_told_by_mail(client, alice, outbox):
    change(client)
    [mail] = outbox("alice@example.com")
    assert mail.subject == "Your Gatehouse password was changed"
    assert "/reset" in mail.body


def test_a_refused_change_sends_no_mail(client, alice, outbox):
    change(client, current="not my password")
    assert outbox() == []
