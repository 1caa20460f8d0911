"""Consent given and withdrawn, clients registered, keys rotated: each is a security event."""

import json

from accounts.audit.events import Origin
from accounts.audit.origin import request_origin
from accounts.extensions import db
from accounts.oidc.clients import Registration, find_client, register_client
from accounts.oidc.consent import grant_consent, withdraw_consent
from common.clock import utcnow
from tests.accounts.audit.conftest import chain, of_type

GADGET = Registration(
    name="Gadget",
    redirect_uris=["https://gadget.example/cb"],
    post_logout_redirect_uris=[],
    backchannel_logout_uri=None,
    scope="openid profile email",
    public=False,
    first_party=False,
    resource=None,
)


def run(app, *args):
    return app.test_cli_runner().invoke(args=list(args))


def test_consent_granted_and_withdrawn_from_a_request(accounts_app, make_user):
    user = make_user()
    with accounts_app.app_context():
        register_client(GADGET, "gadget")
    environ = {"REMOTE_ADDR": "203.0.113.7", "HTTP_USER_AGENT": "Gadget Browser"}
    with accounts_app.test_request_context("/authorize", environ_base=environ):
        grant_consent(user.id, find_client("gadget"), "openid email", utcnow(), origin=request_origin())
        assert withdraw_consent(user.id, "gadget", utcnow(), origin=request_origin())
    granted, withdrawn = of_type(accounts_app, "consent.granted")[0], of_type(accounts_app, "consent.withdrawn")[0]
    assert (granted.actor_id, granted.subject_id, granted.ip, granted.user_agent) == (
        user.id,
        user.id,
        "203.0.113.7",
        "Gadget Browser",
    )
    assert granted.details == {"client_id": "gadget", "client": "Gadget", "scope": "openid email"}
    assert withdrawn.details == {"client_id": "gadget", "scope": "email openid"}


def test_withdrawing_nothing_records_nothing(accounts_app, make_user):
    user = make_user()
    with accounts_app.app_context():
        assert not withdraw_consent(user.id, "nobody", utcnow(), origin=Origin())
        db.session.commit()
    assert chain(accounts_app) == []


def test_clients_create_and_delete_are_recorded_with_the_client(accounts_app):
    created = run(accounts_app, "clients", "create", "--name", "Partner", "--redirect-uri", "https://p.example/cb")
    client_id = json.loads(created.output)["client_id"]
    (registered,) = of_type(accounts_app, "client.registered")
    assert registered.details["client_id"] == client_id and registered.details["name"] == "Partner"
    assert registered.actor_id is None and registered.user_agent == "flask cli"
    assert run(accounts_app, "clients", "delete", client_id).exit_code == 0
    assert of_type(accounts_app, "client.deleted")[0].details == {"client_id": client_id}


def test_a_refused_registration_records_nothing(accounts_app):
    refused = run(accounts_app, "clients", "create", "--name", "Bad", "--redirect-uri", "not a uri")
    assert refused.exit_code != 0
    assert run(accounts_app, "clients", "delete", "missing").exit_code != 0
    assert chain(accounts_app) == []


def test_seed_demo_records_registered_then_updated_clients(accounts_app, tmp_path, monkeypatch):
    monkeypatch.setattr(accounts_app, "instance_path", str(tmp_path))
    assert run(accounts_app, "seed-demo").exit_code == 0
    assert {e.details["client_id"] for e in of_type(accounts_app, "client.registered")} == {"acme", "globex"}
    assert run(accounts_app, "seed-demo").exit_code == 0
    assert {e.details["client_id"] for e in of_type(accounts_app, "client.updated")} == {"acme", "globex"}


def test_keys_rotate_records_the_new_and_retired_kids(accounts_app, client):
    first = client.get("/oauth/jwks").get_json()["keys"][0]["kid"]
    printed = json.loads(run(accounts_app, "keys", "rotate").output)
    (rotated,) = of_type(accounts_app, "keys.rotated")
    assert rotated.details["signing_kid"] == printed["signing_kid"]
    assert rotated.details["retired_kids"] == [first]
