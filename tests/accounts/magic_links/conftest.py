"""Magic-link helpers: ask for a link, read it from the outbox, press its button, read the browser cookie."""

import pytest

from tests.accounts.oidc.conftest import register  # noqa: F401  (the OpenID client fixture, for app sign-ins)
from tests.conftest import link_in, submit

ASK = "/sign-in/link"


def ask(client, email: str = "alice@example.com", next: str = ""):
    """Ask for a sign-in link through the form, as a browser does."""
    return submit(client, ASK, {"email": email, "next": next})


def mailed_link(outbox, email: str = "alice@example.com") -> str:
    """The path of the sign-in link in the newest mail to an address."""
    return link_in(outbox(email)[-1], ASK + "/")


def press(client, link: str):
    """Press the button behind the link (its CSRF token from the link page, or the form page when refused)."""
    page = client.get(link)
    return submit(client, link, {}, form_url=link if page.status_code == 200 else ASK)


def browser_cookie(client):
    """The magic-link cookie this browser holds for the link pages, or None."""
    return client.get_cookie("gatehouse_accounts_link", path=ASK)


@pytest.fixture
def alice(make_user):
    """Alice, verified, not signed in."""
    return make_user("alice@example.com", name="Alice")


@pytest.fixture
def alice_link(client, alice, outbox) -> str:
    """A sign-in link Alice asked for in `client`."""
    assert ask(client).status_code == 303
    return mailed_link(outbox)
