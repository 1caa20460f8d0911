"""While impersonating (SPEC §2.8): no credential changes, no backup codes, no org creation or deletion, no admin
console — each refused with a clear page and nothing changed; what is allowed is audited with both identities.

Routes come from app.url_map, so a route added later is covered (or fails the sweep) without editing this file.
"""

import pytest
from flask import url_for
from sqlalchemy import select

import accounts
from accounts.extensions import db
from accounts.identity.models import User
from accounts.impersonation import policy
from accounts.orgs import services as orgs
from accounts.orgs.models import Organization
from common.clock import utcnow
from tests.accounts.passkeys.authenticator import SoftwareAuthenticator
from tests.accounts.passkeys.conftest import RP, add_passkey, post_json
from tests.common.conftest import table_rows
from tests.conftest import PASSWORD, Auth, accounts_overrides, submit

from .conftest import events

WRITES = {"POST", "PUT", "PATCH", "DELETE"}
DUMMY_URL_VALUES = {
    "token": "t",
    "user_id": 1,
    "slug": "initech",
    "device_id": 1,
    "passkey_id": 1,
    "identity_id": 1,
    "client_id": "app",
    "public_id": "p",
    "invitation_id": 1,
    "org_id": 1,
}


def _routes():
    app = accounts.create_app(accounts_overrides())
    for rule in app.url_map.iter_rules():
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            yield rule, method


ROUTES = list(_routes())
REFUSED = [(rule.endpoint, rule.rule, m) for rule, m in ROUTES if policy.refusal(rule.endpoint, m) is not None]


def test_every_write_route_is_a_decision_in_the_policy_table():
    decided = set(policy.ALLOWED_WRITES) | set(policy.REFUSED) | set(policy.REFUSED_WRITES) | policy.MACHINE_ENDPOINTS
    undecided = {
        rule.endpoint
        for rule, method in ROUTES
        if method in WRITES
        and rule.endpoint not in decided
        and rule.endpoint.rpartition(".")[0] not in policy.REFUSED_BLUEPRINTS
    }
    assert not undecided, f"say in accounts/impersonation/policy.py whether an impersonator may use {undecided}"


def test_the_policy_names_no_route_that_does_not_exist():
    endpoints = {rule.endpoint for rule, _ in ROUTES}
    named = set(policy.ALLOWED_WRITES) | set(policy.REFUSED) | set(policy.REFUSED_WRITES) | policy.MACHINE_ENDPOINTS
    assert named <= endpoints


def test_what_the_spec_forbids_is_refused():
    forbidden = [
        ("identity.change_password", "POST"),
        ("identity.change_email", "POST"),
        ("mfa.start_enrolment", "POST"),
        ("mfa.enrol", "POST"),
        ("mfa.disable", "POST"),
        ("mfa.fresh_codes", "GET"),
        ("mfa.regenerate_codes", "POST"),
        ("orgs.list_orgs", "POST"),
        ("orgs.delete", "POST"),
        ("admin.users", "GET"),
        ("admin.user_page", "GET"),
        ("admin.ban", "POST"),
        ("audit.site_log", "GET"),
    ]
    assert all(policy.refusal(endpoint, method) for endpoint, method in forbidden)
    # Anything not yet decided is refused too: a new route is safe before anyone thinks of it.
    assert policy.refusal("identity.delete_account", "POST")


@pytest.mark.parametrize(("endpoint", "rule", "method"), REFUSED, ids=[f"{m} {r}" for _, r, m in REFUSED])
def test_each_refused_route_answers_403_and_changes_nothing(accounts_app, impersonating, endpoint, rule, method):
    with accounts_app.test_request_context():
        values = {name: DUMMY_URL_VALUES[name] for name in next(accounts_app.url_map.iter_rules(endpoint)).arguments}
        url = url_for(endpoint, **values)
    ignore = {"sessions": {"data", "last_seen_at", "ip"}}
    with accounts_app.app_context():
        before = table_rows(db, ignore)
    response = impersonating.get(url) if method == "GET" else submit(impersonating, url, {}, form_url="/impersonation")
    assert response.status_code == 403
    html = response.get_data(as_text=True)
    assert "Not while impersonating" in html and "Stop impersonating" in html
    with accounts_app.app_context():
        assert table_rows(db, ignore) == before


def _password_hash(app, user_id: int) -> str:
    with app.app_context():
        return db.session.get(User, user_id).password_hash


def test_a_correct_password_change_is_still_refused(accounts_app, impersonating, alice):
    before = _password_hash(accounts_app, alice.id)
    new = "a brand new passphrase 42"
    form = {"current_password": PASSWORD, "password": new, "confirm": new}
    response = submit(impersonating, "/account/password", form, form_url="/impersonation")
    assert response.status_code == 403
    assert _password_hash(accounts_app, alice.id) == before


def test_no_organization_is_created(accounts_app, impersonating):
    response = submit(impersonating, "/orgs/", {"name": "Shadow", "slug": "shadow"}, form_url="/impersonation")
    assert response.status_code == 403
    with accounts_app.app_context():
        assert db.session.scalar(select(Organization).where(Organization.slug == "shadow")) is None


def test_allowed_writes_are_audited_with_both_identities(accounts_app, impersonating, admin, alice):
    with accounts_app.app_context():
        orgs.create_org(alice.id, "Initech", "initech", utcnow())
        db.session.commit()
    response = submit(impersonating, "/orgs/initech/rename", {"name": "Initrode"}, form_url="/orgs/initech")
    assert response.status_code == 303
    (renamed,) = events(accounts_app, "org.renamed")
    assert (renamed.actor_id, renamed.impersonator_id) == (alice.id, admin.id)


def test_the_banner_is_on_every_accounts_page(impersonating):
    for url in ("/", "/orgs/", "/sessions/", "/security", "/connected-apps", "/impersonation"):
        html = impersonating.get(url).get_data(as_text=True)
        assert 'class="impersonation-banner"' in html, url
        assert "Root Admin" in html and "Alice cannot see her team" in html and "60 minutes left" in html


@pytest.fixture
def alice_passkey(accounts_app, alice):
    """Alice added a passkey named "Alice's laptop" herself, in her own browser (still signed in there)."""
    browser = accounts_app.test_client()
    Auth(browser).sign_in(alice.email)
    assert (
        add_passkey(browser, SoftwareAuthenticator(origin=RP.origin, rp_id=RP.id), "Alice's laptop").status_code == 201
    )
    return browser


def test_the_security_page_offers_no_credential_change_while_impersonating(impersonating, alice_passkey):
    page = impersonating.get("/security").get_data(as_text=True)
    assert "Alice&#39;s laptop" in page  # listed, to help, but not to change
    for control in ('id="passkey-add"', "Add a passkey", ">Rename<", "/remove", "Set up", "Forget all devices"):
        assert control not in page, control
    assert "While impersonating you cannot add, rename or remove passkeys." in page
    assert "While impersonating you cannot change two-factor authentication" in page


def test_the_security_page_still_offers_them_to_the_user(alice_passkey):
    page = alice_passkey.get("/security").get_data(as_text=True)
    assert 'id="passkey-add"' in page and ">Rename<" in page and "/remove" in page
    assert "While impersonating" not in page


@pytest.mark.parametrize("url", ["/security/passkeys/options", "/security/passkeys"])
def test_the_passkey_json_routes_refuse_with_a_json_error(accounts_app, impersonating, alice_passkey, url):
    with accounts_app.app_context():
        before = table_rows(db, {"sessions": {"data", "last_seen_at", "ip"}})
    response = post_json(impersonating, url, {"name": "Admin's key", "credential": {}}, token_from="/impersonation")
    assert response.status_code == 403
    assert response.get_json()["error"].startswith("While impersonating a user you cannot change passkeys.")
    with accounts_app.app_context():
        assert table_rows(db, {"sessions": {"data", "last_seen_at", "ip"}}) == before
