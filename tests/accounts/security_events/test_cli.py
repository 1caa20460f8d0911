"""`flask clients create --security-events-uri`, `flask events list|deliver|worker`."""
# ruff: noqa: F811  (the shared fixtures are imported, then named as test arguments)

import json

import requests

from accounts.extensions import db
from accounts.oidc.clients import find_client
from accounts.orgs import services

from .conftest import initech, person, push, tenant_client  # noqa: F401


def run(accounts_app, *args):
    return accounts_app.test_cli_runner().invoke(args=list(args))


def test_a_client_registers_its_push_endpoint_beside_the_back_channel_uri(accounts_app):
    result = run(
        accounts_app,
        *("clients", "create", "--name", "P", "--redirect-uri", "https://p.example/cb", "--client-id", "partner"),
        *("--security-events-uri", "https://p.example/events"),
    )
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["security_events_uri"] == "https://p.example/events"
    with accounts_app.app_context():
        assert find_client("partner").security_events_uri == "https://p.example/events"


def test_an_unsafe_push_endpoint_is_refused(accounts_app):
    result = run(
        accounts_app,
        *("clients", "create", "--name", "P", "--redirect-uri", "https://p.example/cb"),
        *("--security-events-uri", "http://p.example/events"),
    )
    assert result.exit_code != 0 and "security events URI" in result.output


def test_the_demo_tenants_are_seeded_with_their_push_endpoints(accounts_app):
    assert run(accounts_app, "seed-demo").exit_code == 0
    with accounts_app.app_context():
        assert find_client("acme").security_events_uri.endswith("/auth/security-events")


def test_events_list_shows_what_waits_and_deliver_sweeps_it(accounts_app, initech, tenant_client, push):
    push.error = requests.ConnectionError("down")
    with accounts_app.app_context():
        services.remove_member(initech.id, initech.alice.id, initech.carol.id)
        db.session.commit()

    (listed,) = json.loads(run(accounts_app, "events", "list").output)
    assert listed["status"] == "pending" and listed["event"] == "token-claims-change" and listed["attempts"] == 1
    assert json.loads(run(accounts_app, "events", "deliver").output)["attempted"] == 0, "the retry is not due yet"


def test_the_worker_needs_redis(accounts_app):
    result = run(accounts_app, "events", "worker")
    assert result.exit_code != 0 and "REDIS_URL" in result.output
