"""Confirm it is you: an app asks the signed-in user to sign in again (prompt=login, max_age); the account is fixed."""

import re
import time
from urllib.parse import urlencode

import pytest
import time_machine

from tests.accounts.conftest import flashes, page, signed_in_as
from tests.conftest import PASSWORD, submit

from .conftest import query_of


@pytest.fixture
def bob(make_user):
    return make_user("bob@example.com", name="Bob")


def sign_in_url(flow, rp, **overrides) -> str:
    """The sign-in page /authorize sends the browser to."""
    response = flow.authorize(rp, **overrides)
    assert response.status_code == 302 and response.location.startswith("/sign-in?"), response.location
    return response.location


def next_of(url: str) -> str:
    return query_of(url)["next"]


def test_an_app_sign_in_names_the_app(flow, user, confidential_client):
    html = page(flow.client, sign_in_url(flow, confidential_client))
    assert "<h1>Sign in</h1>" in html and "to continue to <strong>Tenant</strong>" in html
    [email_box] = re.findall(r'<input[^>]*name="email"[^>]*>', html)
    assert "autofocus" in email_box


@pytest.mark.parametrize("ask", [{"prompt": "login"}, {"max_age": "1"}])
def test_a_fresh_sign_in_for_the_signed_in_user_is_confirm_its_you(flow, signed_in, confidential_client, ask):
    with time_machine.travel(time.time() + 5):
        html = page(flow.client, sign_in_url(flow, confidential_client, **ask))
    assert "Confirm it’s you" in html and "to continue to <strong>Tenant</strong>" in html
    assert "alice@example.com</strong>" in html
    # The account is fixed: no email box to change it, no sign-up link to leave for another account.
    assert 'name="email"' not in html and "Create an account" not in html and "/sign-up" not in html
    [password_box] = re.findall(r'<input[^>]*type="password"[^>]*>', html)
    assert "autofocus" in password_box


def test_the_password_confirms_and_the_request_goes_on(flow, client, signed_in, confidential_client):
    url = sign_in_url(flow, confidential_client, prompt="login")
    back = submit(client, "/sign-in", {"password": PASSWORD, "next": next_of(url)}, form_url=url)
    assert back.status_code == 303 and back.location == next_of(url)
    assert "code" in query_of(client.get(back.location).location)
    assert flashes(client.get("/")) == [], "the greeting went with the redirect to the app"


def test_a_wrong_password_shows_the_confirm_screen_again(flow, client, signed_in, confidential_client):
    url = sign_in_url(flow, confidential_client, prompt="login")
    back = submit(client, "/sign-in", {"password": "not-it", "next": next_of(url)}, form_url=url)
    assert back.status_code == 303 and back.location == url
    html = page(client, back.location)
    assert "Confirm it’s you" in html and "That password is not correct." in html


def test_another_account_is_refused(flow, client, signed_in, bob, confidential_client):
    url = sign_in_url(flow, confidential_client, prompt="login")
    form = {"email": "bob@example.com", "password": PASSWORD, "next": next_of(url)}
    back = submit(client, "/sign-in", form, form_url=url)
    assert back.location == url
    assert "This confirms alice@example.com only. To use another account, sign out first." in page(client, url)
    assert signed_in_as(client) == "Alice"


def test_without_an_app_waiting_the_full_sign_in_page_stays(client, signed_in):
    html = page(client, "/sign-in?" + urlencode({"next": "/sessions/"}))
    assert "<h1>Sign in</h1>" in html and 'name="email"' in html and 'value="alice@example.com"' in html
