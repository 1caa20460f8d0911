"""Impersonation fixtures: an admin with a second factor signed in on the test client, a user to act as."""

from dataclasses import dataclass

import pytest

from tests.accounts.admin.conftest import events, load  # noqa: F401  (shared readers)
from tests.accounts.mfa.conftest import clock, code_now, enrol, second_step, signed_in_record, user_id  # noqa: F401
from tests.accounts.oidc.conftest import (  # noqa: F401  (fixtures shared with the OpenID provider tests)
    Flow,
    backchannel,
    confidential_client,
    register,
)
from tests.conftest import Auth, submit

ADMIN = "root@example.com"
REASON = "Alice cannot see her team's todos"


@dataclass(frozen=True)
class Person:
    id: int
    email: str
    name: str
    secret: str | None = None


@pytest.fixture
def admin(accounts_app, make_user, clock) -> Person:  # noqa: F811  (clock is the frozen-time fixture)
    """A site admin with 2FA on."""
    make_user(ADMIN, name="Root Admin", admin=True)
    uid = user_id(accounts_app, ADMIN)
    secret, _ = enrol(accounts_app, uid)
    return Person(uid, ADMIN, "Root Admin", secret)


def sign_in_with_code(client, person: Person, next: str = ""):
    """Password, then the authenticator code: a sign-in with a fresh second factor."""
    assert Auth(client).sign_in(person.email, next=next).status_code == 303
    return second_step(client, code_now(person.secret))


@pytest.fixture
def admin_client(client, admin) -> object:
    """The test client signed in as the admin, second factor just given."""
    assert sign_in_with_code(client, admin).status_code == 303
    return client


@pytest.fixture
def alice(accounts_app, make_user) -> Person:
    """A plain user to impersonate."""
    make_user("alice@example.com", name="Alice")
    return Person(user_id(accounts_app, "alice@example.com"), "alice@example.com", "Alice")


def start(client, target_id: int, reason: str = REASON):
    """Press "Impersonate" on the admin user page."""
    return submit(
        client, f"/admin/users/{target_id}/impersonate", {"reason": reason}, form_url=f"/admin/users/{target_id}"
    )


def stop(client):
    """Press "Stop impersonating" on the impersonation page."""
    return submit(client, "/impersonation/stop", {}, form_url="/impersonation")


@pytest.fixture
def impersonating(admin_client, alice):
    """The admin's browser, now acting as Alice."""
    response = start(admin_client, alice.id)
    assert response.status_code == 303, response.get_data(as_text=True)
    return admin_client
