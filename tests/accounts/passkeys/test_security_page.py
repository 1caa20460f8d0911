"""Passkeys on the security page: add, list, rename, remove (with the password again), audited and scoped."""

import re

import pytest
from sqlalchemy import select

from accounts.audit.models import SecurityEvent
from accounts.extensions import db
from accounts.passkeys.models import PasskeyCredential
from tests.accounts.conftest import add_user
from tests.accounts.passkeys.authenticator import SoftwareAuthenticator
from tests.accounts.passkeys.conftest import SECURITY, add_passkey, post_json
from tests.conftest import PASSWORD, Auth, csrf_token, submit


@pytest.fixture
def alice(client, make_user, auth):
    """Alice, signed in on `client`."""
    user = make_user("alice@example.com")
    auth.sign_in()
    return user


def passkeys(app) -> list[PasskeyCredential]:
    with app.app_context():
        rows = list(db.session.scalars(select(PasskeyCredential).order_by(PasskeyCredential.id)))
        db.session.expunge_all()
        return rows


def event_types(app) -> list[str]:
    with app.app_context():
        return list(db.session.scalars(select(SecurityEvent.event_type).order_by(SecurityEvent.id)))


def test_a_passkey_added_is_listed_with_its_name(client, accounts_app, alice, authenticator):
    response = add_passkey(client, authenticator, "  Work   laptop ")
    assert response.status_code == 201
    assert response.get_json() == {"redirect": "/security"}
    page = client.get(SECURITY).get_data(as_text=True)
    assert 'value="Work laptop"' in page and "This device only" in page and "Never" in page
    assert [p.name for p in passkeys(accounts_app)] == ["Work laptop"]
    assert event_types(accounts_app)[-1] == "passkey.registered"


def test_the_options_ask_for_this_site_and_exclude_passkeys_already_added(client, alice, authenticator):
    add_passkey(client, authenticator)
    options = post_json(client, "/security/passkeys/options").get_json()
    assert options["rp"]["id"] == "localhost"
    assert options["authenticatorSelection"]["residentKey"] == "required"
    assert len(options["excludeCredentials"]) == 1


def test_a_passkey_made_for_another_origin_is_refused(client, accounts_app, alice, authenticator):
    response = add_passkey(client, authenticator, origin="https://evil.example")
    assert response.status_code == 400
    assert "could not be registered" in response.get_json()["error"]
    assert passkeys(accounts_app) == []


def test_an_answer_replayed_after_its_challenge_was_spent_is_refused(client, accounts_app, alice, authenticator):
    options = post_json(client, "/security/passkeys/options").get_json()
    credential = authenticator.create(options)
    assert post_json(client, "/security/passkeys", {"name": "A", "credential": credential}).status_code == 201
    again = post_json(client, "/security/passkeys", {"name": "B", "credential": credential})
    assert again.status_code == 400
    assert len(passkeys(accounts_app)) == 1


@pytest.mark.parametrize(
    "body",
    [None, [], {"name": "A"}, {"name": "A", "credential": "x"}, {"name": "A", "credential": {"response": {}}}],
)
def test_bad_input_is_a_json_error(client, alice, body):
    post_json(client, "/security/passkeys/options")
    response = client.post("/security/passkeys", json=body, headers={"X-CSRFToken": csrf_token(client, SECURITY)})
    assert response.status_code == 400
    assert "error" in response.get_json()


def test_the_json_endpoints_need_the_csrf_token(client, alice):
    assert client.post("/security/passkeys/options", json={}).status_code == 400


def test_signed_out_browsers_cannot_register(client, make_user):
    response = client.post("/security/passkeys/options", json={})
    assert response.status_code in {302, 303, 400, 401}
    assert passkeys(client.application) == []


def test_rename_changes_only_your_own_passkey(client, accounts_app, alice, authenticator, make_user):
    add_passkey(client, authenticator)
    passkey_id = passkeys(accounts_app)[0].id
    response = submit(client, f"/security/passkeys/{passkey_id}/rename", {"name": "Phone"}, form_url=SECURITY)
    assert response.status_code == 303
    assert passkeys(accounts_app)[0].name == "Phone"
    assert "passkey.renamed" in event_types(accounts_app)
    assert submit(client, "/security/passkeys/999/rename", {"name": "X"}, form_url=SECURITY).status_code == 404


def test_a_bad_name_is_refused_with_a_message(client, accounts_app, alice, authenticator):
    add_passkey(client, authenticator)
    passkey_id = passkeys(accounts_app)[0].id
    response = submit(client, f"/security/passkeys/{passkey_id}/rename", {"name": "x" * 61}, form_url=SECURITY)
    assert response.status_code == 303
    assert "characters" in client.get(SECURITY).get_data(as_text=True)
    assert passkeys(accounts_app)[0].name == "Laptop"


def test_removal_needs_the_password(client, accounts_app, alice, authenticator):
    add_passkey(client, authenticator)
    url = f"/security/passkeys/{passkeys(accounts_app)[0].id}/remove"
    assert "Remove the passkey “Laptop”" in client.get(url).get_data(as_text=True)
    wrong = submit(client, url, {"password": "not it"})
    assert wrong.status_code == 303 and len(passkeys(accounts_app)) == 1
    assert "not correct" in client.get(url).get_data(as_text=True)
    right = submit(client, url, {"password": PASSWORD})
    assert right.headers["Location"] == SECURITY
    assert passkeys(accounts_app) == []
    assert event_types(accounts_app)[-1] == "passkey.removed"


def test_someone_elses_passkey_cannot_be_removed(client, accounts_app, alice, authenticator, make_user, auth):
    add_passkey(client, authenticator)
    passkey_id = passkeys(accounts_app)[0].id
    auth.sign_out()
    make_user("mallory@example.com", name="Mallory")
    auth.sign_in("mallory@example.com")
    assert client.get(f"/security/passkeys/{passkey_id}/remove").status_code == 404
    assert len(passkeys(accounts_app)) == 1


def test_wrong_passwords_on_removal_are_rate_limited(accounts_app_with, authenticator):
    app = accounts_app_with(RATELIMIT_ENABLED=True, RATELIMIT_REAUTH="2 per hour")
    add_user(app)
    client = app.test_client()
    Auth(client).sign_in()
    add_passkey(client, authenticator)
    url = f"/security/passkeys/{passkeys(app)[0].id}/remove"
    statuses = [submit(client, url, {"password": "wrong"}).status_code for _ in range(3)]
    assert statuses == [303, 303, 429]


def test_a_synced_passkey_is_shown_as_synced(client, alice):
    synced = SoftwareAuthenticator(origin="http://localhost:5000", rp_id="localhost", backup_eligible=True)
    add_passkey(client, synced)
    assert re.search(r"Synced across devices", client.get(SECURITY).get_data(as_text=True))
