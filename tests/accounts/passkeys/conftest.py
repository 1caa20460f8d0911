"""Fixtures for passkeys: the relying party tests use, and a software authenticator for it."""

import pytest

from accounts.passkeys.ceremonies import relying_party
from tests.accounts.passkeys.authenticator import SoftwareAuthenticator
from tests.conftest import csrf_token

RP = relying_party("http://localhost:5000", "Gatehouse Accounts")


@pytest.fixture
def authenticator():
    """A platform authenticator answering for the Accounts origin."""
    return SoftwareAuthenticator(origin=RP.origin, rp_id=RP.id)


SECURITY = "/security"


def post_json(client, url: str, body: dict | None = None, *, token_from: str = SECURITY):
    """POST JSON as static/passkeys.js does: the page's CSRF token in X-CSRFToken."""
    return client.post(url, json=body or {}, headers={"X-CSRFToken": csrf_token(client, token_from)})


def add_passkey(client, authenticator: SoftwareAuthenticator, name: str = "Laptop", **lie):
    """Register a passkey from the security page of a signed-in client; the register endpoint's response."""
    options = post_json(client, "/security/passkeys/options")
    assert options.status_code == 200, options.get_data(as_text=True)
    credential = authenticator.create(options.get_json(), **lie)
    return post_json(client, "/security/passkeys", {"name": name, "credential": credential})


@pytest.fixture
def alice_with_passkey(client, make_user, auth, authenticator):
    """Alice with one passkey, signed out again."""
    make_user("alice@example.com")
    auth.sign_in()
    assert add_passkey(client, authenticator).status_code == 201
    auth.sign_out()
    return authenticator


SECOND_STEP = "/sign-in/two-factor/passkey"


def passkey_sign_in(client, authenticator, *, url="/sign-in/passkey", page="/sign-in", remember=False, **lie):
    """Run the passkey button of `page` as static/passkeys.js does: options, get(), verify."""
    options = post_json(client, url + "/options", token_from=page)
    assert options.status_code == 200, options.get_data(as_text=True)
    credential = authenticator.get(options.get_json(), **lie)
    return post_json(client, url, {"credential": credential, "next": "", "remember": remember}, token_from=page)
