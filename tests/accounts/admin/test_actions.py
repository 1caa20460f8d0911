"""Admin actions (SPEC §2.7): ban, unban, site role, sign out everywhere, reset 2FA; each audited, refused cleanly."""

from datetime import timedelta

import time_machine
from sqlalchemy import select

from accounts.admin.forms import ActionForm, BanForm, RoleForm
from accounts.extensions import db
from accounts.identity.models import User
from accounts.mfa import factors as mfa_factors
from accounts.mfa import services as mfa_services
from accounts.mfa.settings import mfa_settings
from accounts.oidc.models import Token
from common.clock import utcnow
from tests.accounts.conftest import flashes, session_rows
from tests.accounts.passkeys.authenticator import SoftwareAuthenticator
from tests.accounts.passkeys.conftest import RP, add_passkey
from tests.conftest import PASSWORD, Auth, submit

from .conftest import Flow, events, load


def _post(client, user_id: int, action: str, **data):
    return submit(client, f"/admin/users/{user_id}/{action}", data, form_url=f"/admin/users/{user_id}")


def _signed_in_elsewhere(app, email: str):
    browser = app.test_client()
    assert Auth(browser).sign_in(email).status_code == 303
    return browser


def test_ban_ends_every_session_revokes_every_token_and_logs_out_every_app(
    accounts_app, admin_client, alice, confidential_client, backchannel
):
    browser = _signed_in_elsewhere(accounts_app, "alice@example.com")
    tokens = Flow(browser).tokens(confidential_client)
    _signed_in_elsewhere(accounts_app, "alice@example.com")
    assert len(session_rows(accounts_app, alice.id)) == 2

    response = _post(admin_client, alice.id, "ban", reason="Spam in shared todos", until="")
    assert response.status_code == 303
    assert "is banned; 2 sessions signed out" in flashes(admin_client.get(response.location))[0]

    banned = load(accounts_app, alice.id)
    assert banned.is_banned(utcnow()) and banned.banned_until is None and banned.ban_reason == "Spam in shared todos"
    assert session_rows(accounts_app, alice.id) == []
    with accounts_app.app_context():
        assert all(t.revoked_at is not None for t in db.session.scalars(select(Token)))
    # Back-channel logout (SPEC §2.5): the app that got tokens in that session was told.
    assert [p.uri for p in backchannel.posted] == [confidential_client.backchannel_logout_uri]
    assert (
        browser.get("/oauth/userinfo", headers={"Authorization": f"Bearer {tokens['access_token']}"}).status_code == 401
    )
    [event] = events(accounts_app, "admin.user_banned")
    assert event.details["user_id"] == alice.id and event.details["reason"] == "Spam in shared todos"


def test_ban_with_an_end_date_lasts_to_the_end_of_that_day(accounts_app, admin_client, alice):
    last_day = (utcnow() + timedelta(days=3)).date()
    _post(admin_client, alice.id, "ban", reason="Cool-off", until=last_day.isoformat())
    banned = load(accounts_app, alice.id)
    assert banned.banned_until.date() == last_day + timedelta(days=1)
    assert banned.banned_until.time().hour == 0


def test_ban_needs_a_reason_and_a_date_not_in_the_past(accounts_app, admin_client, alice):
    for data in ({"reason": "   "}, {"reason": "x", "until": "2001-01-01"}, {"reason": "x", "until": "not a date"}):
        response = _post(admin_client, alice.id, "ban", **data)
        assert response.status_code == 303
        assert flashes(admin_client.get(response.location))[0].startswith("Not done")
        assert load(accounts_app, alice.id).banned_at is None
    assert events(accounts_app, "admin.user_banned") == []


def test_a_banned_user_cannot_sign_in_even_with_the_right_password(accounts_app, admin_client, alice, client):
    _post(admin_client, alice.id, "ban", reason="Abuse", until="")
    browser = accounts_app.test_client()
    response = Auth(browser).sign_in("alice@example.com")
    assert response.location == "/sign-in"
    assert "This account is suspended." in browser.get("/sign-in").get_data(as_text=True)
    assert session_rows(accounts_app, alice.id) == []


def test_the_wrong_password_of_a_banned_user_says_nothing_about_the_ban(accounts_app, admin_client, alice):
    _post(admin_client, alice.id, "ban", reason="Abuse", until="")
    browser = accounts_app.test_client()
    Auth(browser).sign_in("alice@example.com", "not the password at all")
    page = browser.get("/sign-in").get_data(as_text=True)
    assert "suspended" not in page and "The email or password is not correct." in page


def test_a_ban_with_an_end_shows_it_and_an_expired_ban_no_longer_blocks(accounts_app, admin_client, alice):
    last_day = utcnow().date()
    _post(admin_client, alice.id, "ban", reason="Cool-off", until=last_day.isoformat())
    browser = accounts_app.test_client()
    Auth(browser).sign_in("alice@example.com")
    assert "suspended until" in browser.get("/sign-in").get_data(as_text=True)
    with time_machine.travel(utcnow() + timedelta(days=1, minutes=1), tick=False):
        later = accounts_app.test_client()
        assert Auth(later).sign_in("alice@example.com").location == "/"


def test_unban_lets_the_user_sign_in_again(accounts_app, admin_client, alice):
    _post(admin_client, alice.id, "ban", reason="Mistake", until="")
    response = _post(admin_client, alice.id, "unban")
    assert "can sign in again" in flashes(admin_client.get(response.location))[0]
    assert load(accounts_app, alice.id).banned_at is None
    assert Auth(accounts_app.test_client()).sign_in("alice@example.com", PASSWORD).location == "/"
    assert [e.details["user_id"] for e in events(accounts_app, "admin.user_unbanned")] == [alice.id]


def test_refused_actions_change_nothing(accounts_app, admin_client, admin, alice, make_user):
    other = make_user("second@example.com", name="Second Admin", admin=True)
    cases = [
        (admin.id, "ban", {"reason": "x"}, "cannot ban yourself"),
        (other.id, "ban", {"reason": "x"}, "Admins cannot be banned"),
        (alice.id, "unban", {}, "not banned"),
        (admin.id, "role", {"role": "user"}, "your own site role"),
        (alice.id, "role", {"role": "owner"}, "choose the site role"),
        (admin.id, "revoke-sessions", {}, "Your sessions"),
        (alice.id, "reset-mfa", {}, "no second factor"),
    ]
    before = [load(accounts_app, u.id) for u in (admin, other, alice)]
    for user_id, action, data, message in cases:
        response = _post(admin_client, user_id, action, **data)
        assert response.status_code == 303, action
        assert message in flashes(admin_client.get(response.location))[0], action
    after = [load(accounts_app, u.id) for u in (admin, other, alice)]
    assert [(u.site_role, u.banned_at) for u in after] == [(u.site_role, u.banned_at) for u in before]
    assert [e for e in events(accounts_app) if e.event_type.startswith("admin.")] == []
    assert len(session_rows(accounts_app, admin.id)) == 1


def test_the_last_admin_cannot_be_made_a_user(accounts_app, admin_client, admin, make_user):
    other = make_user("second@example.com", name="Second Admin", admin=True)
    assert _post(admin_client, other.id, "role", role="user").status_code == 303
    assert load(accounts_app, other.id).site_role == "user"
    # Only one admin is left now, and an admin cannot demote themselves anyway.
    assert _post(admin_client, admin.id, "role", role="user").status_code == 303
    assert load(accounts_app, admin.id).site_role == "admin"


def test_making_a_user_an_admin_is_audited(accounts_app, admin_client, alice):
    response = _post(admin_client, alice.id, "role", role="admin")
    assert "now has the site role admin" in flashes(admin_client.get(response.location))[0]
    assert load(accounts_app, alice.id).site_role == "admin"
    [event] = events(accounts_app, "admin.site_role_changed")
    assert event.details == {"user_id": alice.id, "from": "user", "to": "admin"}


def test_sign_out_everywhere_ends_sessions_and_tells_the_apps(
    accounts_app, admin_client, alice, confidential_client, backchannel
):
    browser = _signed_in_elsewhere(accounts_app, "alice@example.com")
    Flow(browser).tokens(confidential_client)
    response = _post(admin_client, alice.id, "revoke-sessions")
    assert "out of 1 session." in flashes(admin_client.get(response.location))[0]
    assert session_rows(accounts_app, alice.id) == []
    assert len(backchannel.posted) == 1
    assert [e.details["user_id"] for e in events(accounts_app, "admin.sessions_revoked")] == [alice.id]
    assert load(accounts_app, alice.id).banned_at is None


def test_reset_second_factor_removes_it_and_is_audited(accounts_app, admin_client, alice):
    with accounts_app.app_context():
        user = db.session.get(User, alice.id)
        mfa_services.enable_with_secret(
            user, "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP", keys=_keys(accounts_app), now=utcnow()
        )
        db.session.commit()
        assert mfa_factors.has_totp(alice.id)
    response = _post(admin_client, alice.id, "reset-mfa")
    assert "was reset" in flashes(admin_client.get(response.location))[0]
    with accounts_app.app_context():
        assert not mfa_factors.has_totp(alice.id)
    [event] = events(accounts_app, "admin.mfa_reset")
    assert event.details["user_id"] == alice.id


def test_no_admin_form_has_a_password_field(admin_client, alice):
    page = admin_client.get(f"/admin/users/{alice.id}").get_data(as_text=True)
    assert 'type="password"' not in page and 'name="password' not in page
    assert not any("password" in name for form in (BanForm, RoleForm, ActionForm) for name in dir(form))


def test_a_ban_of_an_unknown_user_is_404(admin_client):
    assert submit(admin_client, "/admin/users/999999/ban", {"reason": "x"}, form_url="/admin/users").status_code == 404


def _keys(app):
    return mfa_settings(app.config).keys


def test_reset_second_factor_removes_the_passkeys_of_a_user_who_lost_their_device(
    accounts_app, admin_client, admin, alice
):
    browser = accounts_app.test_client()
    Auth(browser).sign_in(alice.email)
    assert add_passkey(browser, SoftwareAuthenticator(origin=RP.origin, rp_id=RP.id)).status_code == 201
    page = admin_client.get(f"/admin/users/{alice.id}").get_data(as_text=True)
    assert "<dt>Two-factor</dt><dd>On</dd>" in page  # a passkey is a second factor too (mfa/factors.py)
    response = _post(admin_client, alice.id, "reset-mfa")
    assert "was reset" in flashes(admin_client.get(response.location))[0]
    with accounts_app.app_context():
        assert not mfa_factors.has_second_factor(alice.id)
    [event] = events(accounts_app, "passkey.removed")
    assert (event.actor_id, event.details) == (admin.id, {"count": 1})
    assert Auth(accounts_app.test_client()).sign_in(alice.email).headers["Location"] == "/"  # the password alone
