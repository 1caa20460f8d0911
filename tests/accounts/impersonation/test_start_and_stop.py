"""Starting and stopping an impersonation (SPEC §2.8): who may, the step-up, new session ids, logout, audit, mail."""

from datetime import timedelta

from accounts.extensions import db
from accounts.identity.models import User
from accounts.sessions.slots import PARKED_AUTHENTICATION
from tests.accounts.conftest import flashes, page, session_rows, signed_in_as
from tests.accounts.mfa.conftest import session_data, signed_in_record
from tests.conftest import Auth

from .conftest import REASON, Flow, events, sign_in_with_code, start, stop


def test_an_admin_with_a_fresh_second_factor_acts_as_the_user(accounts_app, impersonating, admin, alice):
    assert signed_in_as(impersonating) == "Alice"
    record = signed_in_record(accounts_app, impersonating)
    assert record["user_id"] == alice.id and record["actor_id"] == admin.id and record["reason"] == REASON
    # The admin's sign-in waits server-side in the session record; the browser holds only its cookie token.
    assert session_data(accounts_app, impersonating)[PARKED_AUTHENTICATION.key]["user_id"] == admin.id
    assert [row.user_id for row in session_rows(accounts_app)] == [alice.id]


def test_start_and_stop_each_begin_a_new_session_id(accounts_app, admin_client, admin, alice):
    (before,) = session_rows(accounts_app)
    start(admin_client, alice.id)
    (during,) = session_rows(accounts_app)
    stop(admin_client)
    (after,) = session_rows(accounts_app)
    assert len({before.public_id, during.public_id, after.public_id}) == 3
    assert after.user_id == admin.id
    assert signed_in_as(admin_client) == "Root Admin"


def test_the_previous_identitys_app_sessions_end_at_start_and_at_stop(
    accounts_app, admin_client, alice, confidential_client, backchannel
):
    Flow(admin_client).tokens(confidential_client)  # the admin is signed in to a tenant
    admin_sid = session_rows(accounts_app)[0].public_id
    start(admin_client, alice.id)
    assert [p.uri for p in backchannel.posted] == [confidential_client.backchannel_logout_uri]
    assert Flow(admin_client).verify(backchannel.posted[0].logout_token).claims["sid"] == admin_sid

    Flow(admin_client).tokens(confidential_client)  # SSO into the tenant works while impersonating
    alice_sid = session_rows(accounts_app)[0].public_id
    stop(admin_client)
    assert len(backchannel.posted) == 2
    assert Flow(admin_client).verify(backchannel.posted[1].logout_token).claims["sid"] == alice_sid


def test_start_and_stop_are_audited_and_the_user_is_told(accounts_app, impersonating, admin, alice, outbox):
    (started,) = events(accounts_app, "impersonation.started")
    assert (started.actor_id, started.subject_id, started.details["reason"]) == (admin.id, alice.id, REASON)
    (mail,) = outbox("alice@example.com")
    assert "Root Admin" in mail.body and REASON in mail.body
    stop(impersonating)
    (stopped,) = events(accounts_app, "impersonation.stopped")
    assert (stopped.actor_id, stopped.subject_id, stopped.details["how"]) == (admin.id, alice.id, "stopped")


def test_the_user_sees_who_acted_as_them_on_their_security_page(accounts_app, impersonating, alice, clock):
    clock.shift(timedelta(minutes=7))
    stop(impersonating)
    browser = accounts_app.test_client()
    Auth(browser).sign_in(alice.email)
    html = page(browser, "/security")
    assert "Root Admin" in html and REASON in html and "7 minutes" in html


def test_a_stale_second_factor_asks_for_a_step_up_first(accounts_app, admin_client, admin, alice, clock):
    clock.shift(timedelta(minutes=10, seconds=1))
    response = start(admin_client, alice.id)
    assert response.status_code == 303
    assert response.headers["Location"].startswith(f"/sign-in?next=/admin/users/{alice.id}")
    assert signed_in_as(admin_client) == "Root Admin" and not events(accounts_app, "impersonation.started")
    assert "second factor from the last 10 minutes" in page(admin_client, response.headers["Location"])

    clock.shift(timedelta(seconds=30))
    back = f"/admin/users/{alice.id}"
    assert sign_in_with_code(admin_client, admin, next=back).headers["Location"] == back
    assert start(admin_client, alice.id).status_code == 303
    assert signed_in_as(admin_client) == "Alice"


def test_a_second_factor_from_nine_minutes_ago_is_fresh_enough(admin_client, alice, clock):
    clock.shift(timedelta(minutes=9, seconds=59))
    start(admin_client, alice.id)
    assert signed_in_as(admin_client) == "Alice"


def test_a_reason_is_required(accounts_app, admin_client, alice):
    response = start(admin_client, alice.id, reason="   ")
    assert response.status_code == 303
    assert "give a reason" in " ".join(flashes(admin_client.get(response.headers["Location"])))
    assert signed_in_as(admin_client) == "Root Admin" and not events(accounts_app, "impersonation.started")


def test_after_sixty_minutes_the_next_request_ends_it(accounts_app, impersonating, admin, clock):
    clock.shift(timedelta(minutes=59, seconds=59))
    assert signed_in_as(impersonating) == "Alice"
    clock.shift(timedelta(seconds=1))
    response = impersonating.get("/orgs/")
    assert response.status_code == 303
    assert "is over" in " ".join(flashes(impersonating.get(response.headers["Location"])))
    assert signed_in_as(impersonating) == "Root Admin"
    (stopped,) = events(accounts_app, "impersonation.stopped")
    assert stopped.details["how"] == "expired"


def test_an_admin_demoted_meanwhile_is_signed_out_at_stop(accounts_app, impersonating, admin):
    with accounts_app.app_context():
        db.session.get(User, admin.id).site_role = "user"
        db.session.commit()
    stop(impersonating)
    assert signed_in_as(impersonating) is None
    assert session_rows(accounts_app) == []


def test_the_status_page_without_an_impersonation_says_so(admin_client):
    assert "You are not impersonating anyone" in page(admin_client, "/impersonation")
    response = stop(admin_client)
    assert response.status_code == 303 and signed_in_as(admin_client) == "Root Admin"


def test_signing_out_while_impersonating_ends_both_and_is_recorded_with_both_identities(
    accounts_app, impersonating, admin, alice
):
    Auth(impersonating).sign_out()
    assert signed_in_as(impersonating) is None and session_rows(accounts_app) == []
    (signout,) = events(accounts_app, "signout")
    assert (signout.actor_id, signout.impersonator_id) == (alice.id, admin.id)
    (stopped,) = events(accounts_app, "impersonation.stopped")
    assert stopped.details["how"] == "signed-out"
