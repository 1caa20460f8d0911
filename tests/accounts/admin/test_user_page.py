"""The admin's page of one user (SPEC §2.7): profile, live sessions with the apps each signed into,
organizations and roles, connected apps, recent security events, and the actions the rules allow."""

from datetime import timedelta

from accounts.audit.events import Origin, record_event
from accounts.extensions import db
from accounts.oidc.clients import find_client
from accounts.oidc.consent import grant_consent
from accounts.orgs.services import create_org
from common.clock import utcnow
from tests.accounts.conftest import page
from tests.conftest import Auth

from .conftest import Flow, set_columns


def test_profile_shows_who_the_user_is_and_their_state(accounts_app, admin_client, alice):
    set_columns(
        accounts_app, alice.id, banned_at=utcnow(), banned_until=utcnow() + timedelta(days=2), ban_reason="Spam"
    )
    html = page(admin_client, f"/admin/users/{alice.id}")
    for text in (
        "Alice",
        "alice@example.com",
        "Email verified</dt><dd>Yes",
        "Site role</dt><dd>user",
        "Two-factor</dt><dd>Off",
        "Spam",
        "banned",
    ):
        assert text in html, text
    assert "Until <time" in html


def test_sessions_list_the_apps_each_session_signed_into(accounts_app, admin_client, alice, register):
    laptop = accounts_app.test_client()
    Auth(laptop).sign_in("alice@example.com")
    Flow(laptop).tokens(register("acme-site"))
    Flow(laptop).tokens(register("globex-site"))
    phone = accounts_app.test_client()
    Auth(phone).sign_in("alice@example.com")
    html = page(admin_client, f"/admin/users/{alice.id}")
    assert "Acme-Site, Globex-Site" in html
    assert "Accounts only" in html


def test_organizations_connected_apps_and_events_are_listed(accounts_app, admin_client, admin, alice, register):
    third_party = register("planner", first_party=False)
    with accounts_app.app_context():
        create_org(alice.id, "Initech", "initech", utcnow())
        grant_consent(alice.id, find_client(third_party.client_id), "openid profile", utcnow(), origin=Origin())
        record_event("signin.succeeded", actor_id=alice.id, origin=Origin("203.0.113.9"), now=utcnow())
        record_event(
            "admin.user_banned",
            actor_id=admin.id,
            subject_id=alice.id,
            origin=Origin(),
            now=utcnow(),
            details={"user_id": alice.id, "reason": "Spam"},
        )
        record_event("signin.succeeded", actor_id=admin.id, origin=Origin(), now=utcnow())
        db.session.commit()
    html = page(admin_client, f"/admin/users/{alice.id}")
    assert "Initech" in html and "owner" in html
    assert "Planner" in html and "openid profile" in html
    assert "203.0.113.9" in html and "admin.user_banned" in html and "— Spam" in html
    assert html.count("signin.succeeded") == 1  # the admin's own sign-in is not about Alice


def test_actions_offered_follow_the_rules(accounts_app, admin_client, admin, alice):
    html = page(admin_client, f"/admin/users/{alice.id}")
    assert f'action="/admin/users/{alice.id}/ban"' in html
    assert "Make an admin" in html and "Sign out everywhere" in html
    assert "no second factor to reset" in html
    own = page(admin_client, f"/admin/users/{admin.id}")
    assert "/ban" not in own and "You cannot ban yourself." in own
    assert "You cannot change your own site role." in own


def test_unknown_user_is_404(admin_client):
    assert admin_client.get("/admin/users/987654").status_code == 404
