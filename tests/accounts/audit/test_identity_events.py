"""Sign-in, sign-out, passwords and sessions are audited in the same transaction as the change (SPEC §2.8)."""

from tests.accounts.test_password_reset import NEW_PASSWORD, choose, request_reset
from tests.conftest import PASSWORD, Auth, submit

from .conftest import chain, of_type


def test_a_sign_in_and_a_sign_out_are_recorded(accounts_app, client, make_user):
    make_user()
    Auth(client).sign_in()
    Auth(client).sign_out()
    assert [e.event_type for e in chain(accounts_app)] == ["signin.succeeded", "signout"]
    signin, signout = chain(accounts_app)
    assert signin.details == {"amr": ["pwd"]} and signout.details == {"via": "accounts"}
    assert signin.actor_id == signout.actor_id is not None


def test_a_failed_sign_in_names_the_account_it_aimed_at_and_no_one_for_an_unknown_address(
    accounts_app, client, make_user
):
    make_user()
    Auth(client).sign_in(password="wrong password")
    Auth(client).sign_in(email="nobody@example.com")
    known, unknown = of_type(accounts_app, "signin.failed")
    assert known.actor_id is not None and known.details == {"why": "bad-credentials"}
    assert unknown.actor_id is None


def test_password_change_and_reset_are_recorded(accounts_app, client, make_user, outbox):
    make_user()
    Auth(client).sign_in()
    form = {"current_password": PASSWORD, "password": NEW_PASSWORD, "confirm": NEW_PASSWORD}
    assert submit(client, "/account/password", form).status_code == 303
    assert len(of_type(accounts_app, "password.changed")) == 1
    choose(client, request_reset(client, outbox))
    assert len(of_type(accounts_app, "password.reset")) == 1


def test_ending_other_sessions_is_recorded(accounts_app, client, make_user):
    make_user()
    Auth(accounts_app.test_client()).sign_in()
    Auth(client).sign_in()
    submit(client, "/sessions/revoke-others", {}, form_url="/sessions/")
    (revoked,) = of_type(accounts_app, "session.revoked")
    assert revoked.details == {"others": True}
