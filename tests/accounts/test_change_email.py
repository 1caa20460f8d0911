"""SPEC §2.1 change email: the password again, a link to the new address, a notice to the old one.

Issue 9: the answer is the same for a free and a taken address; the OpenID `sub` never changes.
"""

from datetime import datetime, timedelta

import pytest
import time_machine
from sqlalchemy import select

from accounts.audit.events import Origin
from accounts.audit.models import SecurityEvent
from accounts.extensions import db
from accounts.identity import email_change
from accounts.identity.models import User
from accounts.oidc.clients import Registration, register_client
from common.clock import utcnow
from tests.accounts.conftest import add_user, flashes, page, signed_in_as, stored_user
from tests.accounts.oidc.conftest import Flow, RegisteredClient
from tests.accounts.test_rate_limits import assert_styled_429
from tests.conftest import CSRF_RE, PASSWORD, Auth, csrf_token, link_in, submit

NEW = "alice.new@example.org"
CONFIRM = "/account/email/confirm/"
FROZEN = datetime(2026, 3, 1, 9, 30)


def ask(client, email: str = NEW, password: str = PASSWORD):
    return submit(client, "/account/email", {"email": email, "password": password})


def link_to(outbox, address: str = NEW) -> str:
    return link_in(outbox(address)[-1], CONFIRM)


def confirm(client, link: str):
    return submit(client, link, {})


def post_to_dead_link(client, link: str):
    """POST with a valid CSRF token (from a page that has one) to a link whose own page is gone."""
    return client.post(link, data={"csrf_token": csrf_token(client, "/sign-in")})


def events(app, event_type: str) -> list[SecurityEvent]:
    with app.app_context():
        rows = list(db.session.scalars(select(SecurityEvent).where(SecurityEvent.event_type == event_type)))
        db.session.expunge_all()
        return rows


@pytest.fixture
def alice(make_user, auth):
    user = make_user()
    auth.sign_in()
    return user


# --- the request --------------------------------------------------------------------------------------------------


def test_the_page_needs_a_signed_in_user(client):
    response = client.get("/account/email")
    assert response.status_code == 302
    assert response.location == "/sign-in?next=/account/email"


def test_the_home_page_links_to_it(client, alice):
    assert 'href="/account/email"' in page(client, "/")


def test_a_request_mails_a_link_to_the_new_address_and_changes_nothing_yet(client, accounts_app, alice, outbox):
    response = ask(client)
    assert response.status_code == 303
    assert response.location == "/account/email"
    html = page(client, "/account/email")
    assert f"We sent a link to {NEW}. Open it within 24 hours to finish the change." in html
    assert f'Waiting for confirmation of <strong class="address">{NEW}</strong>' in html
    [mail] = outbox(NEW)
    assert mail.subject == "Confirm your new email for Gatehouse"
    assert CONFIRM in mail.body
    assert outbox("alice@example.com") == []
    assert stored_user(accounts_app, "alice@example.com") is not None


def test_the_address_is_stored_normalised(client, alice, outbox):
    ask(client, "Alice.New@Example.ORG")
    assert len(outbox(NEW)) == 1


def test_a_wrong_password_changes_nothing(client, alice, outbox):
    response = ask(client, password="not my password")
    assert response.status_code == 303
    html = page(client, "/account/email")
    assert '<ul class="errors" id="password-errors"><li>Your password is not correct.</li>' in html
    assert NEW in html, "the address typed is kept"
    assert "Waiting for confirmation" not in html
    assert outbox() == []


@pytest.mark.parametrize(
    ("email", "message"),
    [
        ("", "This field is required."),
        ("not-an-email", "Enter a valid email address."),
        ("alice@", "Enter a valid email address."),
        ("two@@example.org", "Enter a valid email address."),
        ("line\nbreak@example.org", "Enter a valid email address."),
        ("a" * 4096 + "@example.org", "Field cannot be longer than 254 characters."),
        ("alice@example.com", "That is already your email address."),
        ("ALICE@Example.com", "That is already your email address."),
    ],
)
def test_the_address_follows_the_sign_up_rule(client, alice, outbox, email, message):
    response = ask(client, email)
    assert response.status_code == 303
    html = page(client, "/account/email")
    assert 'id="email-errors"' in html
    assert message in html
    assert PASSWORD not in html
    assert outbox() == []


def test_nul_bytes_and_a_missing_csrf_token_are_refused_without_a_500(client, alice):
    assert ask(client, "alice\x00@example.org").status_code == 400
    response = client.post("/account/email", data={"email": NEW, "password": PASSWORD})
    assert response.status_code == 400
    assert "/static/gatehouse.css" in response.get_data(as_text=True)


def test_wrong_passwords_are_rate_limited_per_user(accounts_app_with):
    app = accounts_app_with(RATELIMIT_PASSWORD_CHECK="2 per 15 minutes")
    add_user(app)
    client = app.test_client()
    Auth(client).sign_in()
    for _ in range(2):
        assert ask(client, password="wrong guess").status_code == 303
    assert_styled_429(ask(client))
    assert signed_in_as(client) == "Alice", "the limit answers; it does not sign anyone out"


def test_a_refused_address_does_not_count_as_a_guess(accounts_app_with):
    app = accounts_app_with(RATELIMIT_PASSWORD_CHECK="1 per 15 minutes")
    add_user(app)
    client = app.test_client()
    Auth(client).sign_in()
    for _ in range(2):
        assert ask(client, "alice@example.com").status_code == 303
    assert ask(client).status_code == 303


def test_the_mails_a_user_can_trigger_are_capped(accounts_app_with):
    app = accounts_app_with(RATELIMIT_EMAIL_CHANGE="2 per hour")
    add_user(app)
    client = app.test_client()
    Auth(client).sign_in()
    assert ask(client).status_code == 303
    assert submit(client, "/account/email/resend", {}, form_url="/account/email").status_code == 303
    assert_styled_429(submit(client, "/account/email/resend", {}, form_url="/account/email"))
    assert client.get("/account/email").status_code == 200, "showing the page is never limited"


# --- a taken address: the same answer, a word to the inbox's owner ------------------------------------------------


def _normalised_page(client, address: str) -> str:
    html = page(client, "/account/email").replace(address, "ADDRESS")
    return CSRF_RE.sub("CSRF", html)


def test_a_taken_address_gets_the_same_answer_and_its_owner_is_told(client, accounts_app, alice, make_user, outbox):
    make_user("bob@example.org", name="Bob")
    with time_machine.travel(FROZEN, tick=False):
        taken = ask(client, "bob@example.org")
        taken_page = _normalised_page(client, "bob@example.org")
        free = ask(client, "dave@example.org")
        free_page = _normalised_page(client, "dave@example.org")

    assert (taken.status_code, taken.location) == (free.status_code, free.location)
    assert taken_page == free_page
    assert "Waiting for confirmation of" in taken_page

    [notice] = outbox("bob@example.org")
    assert notice.subject == "Someone tried to use your email for another Gatehouse account"
    assert CONFIRM not in notice.body
    assert "Alice" not in notice.body and "alice@example.com" not in notice.body
    assert stored_user(accounts_app, "bob@example.org").name == "Bob"
    assert len(events(accounts_app, "email.change_requested")) == 2


def test_resending_to_a_taken_address_sends_the_notice_again_never_a_link(client, alice, make_user, outbox):
    make_user("bob@example.org", name="Bob")
    ask(client, "bob@example.org")
    submit(client, "/account/email/resend", {}, form_url="/account/email")
    assert [m.subject for m in outbox("bob@example.org")] == [
        "Someone tried to use your email for another Gatehouse account"
    ] * 2


# --- the link -----------------------------------------------------------------------------------------------------


def test_opening_the_link_only_shows_a_button(client, accounts_app, alice, outbox):
    ask(client)
    link = link_to(outbox)
    html = page(client, link)
    assert "Confirm your new email" in html
    assert NEW in html
    assert '<form method="post">' in html
    assert page(client, link), "a GET (a mail scanner) does not use the link up"
    assert stored_user(accounts_app, NEW) is None


def test_confirming_moves_the_account_and_tells_the_old_address(client, accounts_app, alice, outbox):
    with time_machine.travel(FROZEN, tick=False):
        ask(client)
        response = confirm(client, link_to(outbox))
        assert response.status_code == 303
        assert response.location == "/account/email"
        assert flashes(client.get("/account/email")) == [f"Your email address is now {NEW}."]

    moved = stored_user(accounts_app, NEW)
    assert moved.id == alice.id
    assert moved.email_verified_at == FROZEN
    assert stored_user(accounts_app, "alice@example.com") is None

    [notice] = outbox("alice@example.com")
    assert notice.subject == "Your Gatehouse email address was changed"
    assert "changed to a***@example.org" in notice.body
    assert NEW not in notice.body
    assert "contact support" in notice.body
    assert "/account/password" in notice.body

    other = accounts_app.test_client()
    Auth(other).sign_in("alice@example.com")
    assert signed_in_as(other) is None
    Auth(other).sign_in(NEW)
    assert signed_in_as(other) == "Alice"


def test_the_link_works_in_a_browser_that_is_not_signed_in(client, accounts_app, alice, outbox):
    ask(client)
    phone = accounts_app.test_client()
    response = confirm(phone, link_to(outbox))
    assert response.status_code == 303
    landing = phone.get(response.location, follow_redirects=True)
    assert f"Your email address is now {NEW}. Sign in with it." in flashes(landing)
    assert stored_user(accounts_app, NEW).id == alice.id


def test_the_link_works_once(client, alice, outbox):
    ask(client)
    link = link_to(outbox)
    confirm(client, link)
    response = client.get(link)
    assert response.status_code == 404
    assert "This link does not work" in response.get_data(as_text=True)
    assert post_to_dead_link(client, link).status_code == 404


def test_the_link_expires_after_24_hours(client, accounts_app, alice, outbox):
    with time_machine.travel(FROZEN, tick=False):
        ask(client)
    link = link_to(outbox)
    with time_machine.travel(FROZEN + timedelta(hours=23, minutes=59), tick=False):
        assert client.get(link).status_code == 200
    with time_machine.travel(FROZEN + timedelta(hours=24, seconds=1), tick=False):
        assert client.get(link).status_code == 404
        assert post_to_dead_link(client, link).status_code == 404
    assert stored_user(accounts_app, NEW) is None


def test_a_confirm_post_without_csrf_is_refused(client, accounts_app, alice, outbox):
    ask(client)
    response = client.post(link_to(outbox), data={})
    assert response.status_code == 400
    assert stored_user(accounts_app, NEW) is None


@pytest.mark.parametrize("token", ["not-a-token", "x" * 129, "%E2%80%AE", "A" * 43])
def test_a_garbage_link_is_a_styled_404(client, token):
    response = client.get(CONFIRM + token)
    assert response.status_code == 404
    html = response.get_data(as_text=True)
    assert "This link does not work" in html
    assert "/static/gatehouse.css" in html


def test_the_address_is_checked_again_on_confirm(client, accounts_app, alice, make_user, outbox):
    ask(client)
    link = link_to(outbox)
    make_user(NEW, name="Mallory")
    response = confirm(client, link)
    assert response.status_code == 303
    taken = f"Another account now uses {NEW}, so your address was not changed."
    assert flashes(client.get("/account/email")) == [taken]
    assert stored_user(accounts_app, "alice@example.com").id == alice.id
    assert stored_user(accounts_app, NEW).name == "Mallory"
    assert events(accounts_app, "email.changed") == []


def test_asking_again_replaces_the_pending_link(client, accounts_app, alice, outbox):
    ask(client, "first@example.org")
    first = link_to(outbox, "first@example.org")
    ask(client)
    assert client.get(first).status_code == 404
    html = page(client, "/account/email")
    assert "first@example.org" not in html
    assert f'Waiting for confirmation of <strong class="address">{NEW}</strong>' in html
    confirm(client, link_to(outbox))
    assert stored_user(accounts_app, NEW).id == alice.id


def test_resend_sends_a_fresh_link_and_the_old_one_dies(client, accounts_app, alice, outbox):
    ask(client)
    older = link_to(outbox)
    response = submit(client, "/account/email/resend", {}, form_url="/account/email")
    assert response.status_code == 303
    newer = link_to(outbox)
    assert newer != older
    assert client.get(older).status_code == 404
    confirm(client, newer)
    assert stored_user(accounts_app, NEW).id == alice.id


def test_cancel_withdraws_the_pending_change(client, alice, outbox):
    ask(client)
    link = link_to(outbox)
    response = submit(client, "/account/email/cancel", {}, form_url="/account/email")
    assert response.status_code == 303
    html = page(client, "/account/email")
    assert "The email change was cancelled. Your address stays as it is." in html
    assert "Waiting for confirmation" not in html
    assert client.get(link).status_code == 404


def test_resend_and_cancel_with_nothing_pending_say_so(client, alice, outbox):
    for action in ("resend", "cancel"):
        submit(client, f"/account/email/{action}", {}, form_url="/account/email")
        assert flashes(client.get("/account/email")) == ["No email change is waiting for confirmation."]
    assert outbox() == []


def test_a_new_password_drops_the_pending_change(client, alice, outbox):
    ask(client)
    link = link_to(outbox)
    new = "a brand new passphrase"
    submit(client, "/account/password", {"current_password": PASSWORD, "password": new, "confirm": new})
    assert client.get(link).status_code == 404


def test_reset_links_mailed_to_the_old_address_die_with_the_change(client, accounts_app, alice, outbox):
    stranger = accounts_app.test_client()
    submit(stranger, "/reset", {"email": "alice@example.com"})
    reset_link = link_in(outbox("alice@example.com")[-1], "/reset/")
    ask(client)
    confirm(client, link_to(outbox))
    assert stranger.get(reset_link).status_code == 404


def test_the_request_and_the_change_are_audited_without_the_address(client, accounts_app, alice, outbox):
    with time_machine.travel(FROZEN, tick=False):
        ask(client)
        confirm(client, link_to(outbox))
    [requested] = events(accounts_app, "email.change_requested")
    assert (requested.actor_id, requested.created_at) == (alice.id, FROZEN)
    assert requested.details == {"domain": "example.org"}
    [changed] = events(accounts_app, "email.changed")
    assert changed.actor_id == alice.id
    assert changed.details == {"old_domain": "example.com", "new_domain": "example.org"}
    assert NEW not in str(requested.details) + str(changed.details)


# --- OpenID: the subject stays, the email claim follows ------------------------------------------------------------


@pytest.fixture
def tenant(accounts_app) -> RegisteredClient:
    registration = Registration(
        name="Tenant",
        redirect_uris=["https://tenant.example/auth/callback"],
        post_logout_redirect_uris=["https://tenant.example/signed-out"],
        backchannel_logout_uri=None,
        scope="openid profile email",
        public=False,
        first_party=True,
    )
    with accounts_app.app_context():
        _, secret = register_client(registration, "tenant")
        db.session.remove()
    return RegisteredClient("tenant", secret, registration.redirect_uris[0], "", None, registration.scope)


def test_the_openid_subject_stays_and_the_email_claim_follows(client, alice, outbox, tenant):
    flow = Flow(client)
    before = flow.verify(flow.tokens(tenant)["id_token"]).claims
    ask(client)
    confirm(client, link_to(outbox))

    after = flow.tokens(tenant)
    claims = flow.verify(after["id_token"]).claims
    assert claims["sub"] == before["sub"] == str(alice.id)
    assert (before["email"], claims["email"], claims["email_verified"]) == ("alice@example.com", NEW, True)
    userinfo = client.get("/oauth/userinfo", headers={"Authorization": f"Bearer {after['access_token']}"}).get_json()
    assert (userinfo["sub"], userinfo["email"]) == (str(alice.id), NEW)


# --- the rules as functions ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(("email", "shown"), [("nina@example.org", "n***@example.org"), ("x@a.test", "x***@a.test")])
def test_the_old_address_sees_the_new_one_masked(email, shown):
    assert email_change.masked(email) == shown


def test_request_change_does_not_commit(accounts_app, make_user):
    make_user()
    with accounts_app.app_context():
        user = db.session.scalar(select(User).where(User.email == "alice@example.com"))
        change = email_change.request_change(
            user,
            NEW,
            PASSWORD,
            params=accounts_app.config["ARGON2_PARAMETERS"],
            lifetime=timedelta(hours=24),
            now=utcnow(),
            origin=Origin(),
        )
        assert (change.new_email, change.taken) == (NEW, False)
        db.session.rollback()
        assert email_change.pending_change(user.id, utcnow()) is None


def test_a_password_reset_drops_the_pending_change_too(client, accounts_app, alice, outbox):
    ask(client)
    link = link_to(outbox)
    submit(accounts_app.test_client(), "/reset", {"email": "alice@example.com"})
    reset = link_in(outbox("alice@example.com")[-1], "/reset/")
    new = "a brand new passphrase"
    submit(accounts_app.test_client(), reset, {"password": new, "confirm": new})
    assert client.get(link).status_code == 404
