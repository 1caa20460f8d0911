"""Issue 9 over real HTTP: tenants know a user by iss+sub, so a changed email keeps their session and their todos."""

import re

import pytest
import requests

from tests.conftest import PASSWORD, link_in
from tests.live import form_token, sign_in_at_tenant

NEW = "alice.new@example.org"


@pytest.fixture
def alice(make_user):
    return make_user("alice@example.com", name="Alice")


def post_form(browser: requests.Session, url: str, data: dict) -> requests.Response:
    """Load a form page and POST it with its CSRF token, as a browser does."""
    return browser.post(url, data={"csrf_token": form_token(browser.get(url).text), **data})


def change_email(browser: requests.Session, accounts_url: str, outbox) -> None:
    post_form(browser, f"{accounts_url}/account/email", {"email": NEW, "password": PASSWORD})
    link = accounts_url + link_in(outbox(NEW)[-1], "/account/email/confirm/")
    done = post_form(browser, link, {})
    assert f"Your email address is now {NEW}." in done.text


def todo_titles_shown(browser: requests.Session, tenant_url: str) -> list[str]:
    return re.findall(r"water the plants", browser.get(f"{tenant_url}/todos/").text)


def test_a_tenant_session_and_todos_survive_an_email_change(sites, alice, outbox):
    browser = requests.Session()
    sign_in_at_tenant(browser, sites.acme.url, "alice@example.com", PASSWORD)
    added = post_form(browser, f"{sites.acme.url}/todos/new", {"title": "water the plants", "visibility": "private"})
    assert added.url == f"{sites.acme.url}/todos/"
    assert todo_titles_shown(browser, sites.acme.url)

    change_email(browser, sites.accounts.url, outbox)

    assert todo_titles_shown(browser, sites.acme.url), "the Acme session goes on"
    fresh = requests.Session()
    landed = sign_in_at_tenant(fresh, sites.acme.url, NEW, PASSWORD, next="/todos/")
    assert landed.url == f"{sites.acme.url}/todos/"
    assert todo_titles_shown(fresh, sites.acme.url), "signing in with the new address finds the same todos"
