"""Issue 16: "Email me a sign-in link": single use, 10 minutes, this browser only, a button behind it, 2FA kept."""

from datetime import timedelta

import pytest
import time_machine

from accounts.extensions import db
from accounts.identity.models import User
from common.clock import utcnow
from tests.accounts.conftest import flashes, page, signed_in_as
from tests.accounts.mfa.conftest import CHALLENGE, code_now, enrol, events, second_step, signed_in_record
from tests.accounts.oidc.conftest import CodeResult, Flow, new_verifier, query_of
from tests.conftest import submit

from .conftest import ASK, ask, browser_cookie, mailed_link, press

OTHER_BROWSER_PAGE = "Open it in the browser you asked from"


def test_the_sign_in_page_offers_a_link_and_keeps_next(client):
    html = page(client, "/sign-in?next=/orgs/")
    assert "Email me a sign-in link" in html
    assert 'href="/sign-in/link?next=/orgs/"' in html
    assert 'name="next" type="hidden" value="/orgs/"' in page(client, "/sign-in/link?next=/orgs/")


def test_the_mail_carries_a_link_for_ten_minutes_in_this_browser(client, alice, outbox):
    response = ask(client)
    assert (response.status_code, response.location) == (303, "/check-inbox")
    (mail,) = outbox("alice@example.com")
    assert mail.subject == "Your Gatehouse sign-in link"
    assert "within 10 minutes, in the same browser" in mail.body
    assert mailed_link(outbox).startswith("/sign-in/link/")
    assert "works in this browser only" in flashes(client.get("/check-inbox"))[0]


def test_the_link_signs_in_with_amr_email(client, accounts_app, alice_link):
    response = press(client, alice_link)
    assert (response.status_code, response.location) == (303, "/")
    assert signed_in_as(client) == "Alice"
    assert signed_in_record(accounts_app, client)["amr"] == ["email"]


def test_a_scanner_get_neither_signs_in_nor_spends_the_link(client, accounts_app, alice_link):
    for _ in range(3):
        html = page(client, alice_link)
        assert "Sign me in" in html and 'method="post"' in html
    assert signed_in_as(client) is None
    assert signed_in_record(accounts_app, client) == {}
    assert press(client, alice_link).status_code == 303
    assert signed_in_as(client) == "Alice"


def test_a_link_works_once(client, alice_link):
    press(client, alice_link)
    again = press(client, alice_link)
    assert again.status_code == 410
    assert "This link was already used" in again.get_data(as_text=True)
    assert client.get(alice_link).status_code == 410


def test_a_link_expires_after_ten_minutes(accounts_app, alice, outbox):
    with time_machine.travel(utcnow(), tick=False) as clock:
        client = accounts_app.test_client()
        ask(client)
        link = mailed_link(outbox)
        clock.shift(timedelta(minutes=9, seconds=59))
        assert client.get(link).status_code == 200
        clock.shift(timedelta(seconds=1))
        expired = client.get(link)
        assert expired.status_code == 410
        assert "This link has expired" in expired.get_data(as_text=True)
        assert press(client, link).status_code == 410
        assert signed_in_as(client) is None


def test_another_browser_is_refused_without_spending_the_link(accounts_app, client, alice_link):
    other = accounts_app.test_client()
    shown = other.get(alice_link)
    assert shown.status_code == 403
    assert OTHER_BROWSER_PAGE in shown.get_data(as_text=True)
    assert press(other, alice_link).status_code == 403
    assert signed_in_as(other) is None
    # The browser that asked still signs in with it.
    assert press(client, alice_link).status_code == 303
    assert signed_in_as(client) == "Alice"


def test_a_forged_browser_cookie_is_another_browser(accounts_app, client, alice_link):
    other = accounts_app.test_client()
    other.set_cookie("gatehouse_accounts_link", "f" * 43, path=ASK)
    assert other.get(alice_link).status_code == 403


def test_the_browser_cookie_is_http_only_lax_and_limited_to_the_link_pages(client, alice):
    response = ask(client)
    (header,) = [h for h in response.headers.getlist("Set-Cookie") if h.startswith("gatehouse_accounts_link=")]
    attributes = {part.strip().split("=")[0].lower() for part in header.split(";")}
    assert {"httponly", "path", "max-age"} <= attributes and "secure" not in attributes  # testing runs over http
    assert "Path=/sign-in/link" in header and "SameSite=Lax" in header and "Max-Age=600" in header
    assert client.get_cookie("gatehouse_accounts_link") is None, "no other page is sent it"


def test_the_cookie_is_secure_where_session_cookies_are(accounts_app_with):
    app = accounts_app_with(SESSION_COOKIE_SECURE=True, SESSION_COOKIE_NAME="__Host-gatehouse_accounts")
    client = app.test_client()
    response = submit(client, ASK, {"email": "nobody@example.com"})
    (header,) = [h for h in response.headers.getlist("Set-Cookie") if "_link=" in h]
    assert header.startswith("__Secure-gatehouse_accounts_link=") and "Secure" in header


def test_a_second_link_from_the_same_browser_leaves_the_first_good(client, alice, outbox):
    ask(client)
    first = mailed_link(outbox)
    ask(client)
    assert mailed_link(outbox) != first
    assert press(client, first).status_code == 303


@pytest.mark.parametrize("token", ["not-a-token", "a" * 43, "x" * 3000, "%C3%A9t%C3%A9", "a.b"])
def test_unknown_or_malformed_links_are_a_clear_404(client, alice, token):
    ask(client)
    response = client.get(f"{ASK}/{token}")
    assert response.status_code == 404
    assert "This link is not valid" in response.get_data(as_text=True)
    assert press(client, f"{ASK}/{token}").status_code == 404


def test_a_link_without_a_cookie_is_refused(accounts_app, client, alice_link):
    client.delete_cookie("gatehouse_accounts_link", path=ASK)
    assert browser_cookie(client) is None
    assert client.get(alice_link).status_code == 403


def test_two_factor_is_still_asked_after_the_link(accounts_app, client, alice, outbox):
    secret, _ = enrol(accounts_app, alice.id)
    ask(client)
    response = press(client, mailed_link(outbox))
    assert response.location == CHALLENGE
    assert signed_in_as(client) is None
    assert second_step(client, code_now(secret)).status_code == 303
    assert signed_in_record(accounts_app, client)["amr"] == ["email", "otp"]


def test_next_is_kept_through_the_mail(client, alice, outbox):
    ask(client, next="/sessions/")
    assert press(client, mailed_link(outbox)).location == "/sessions/"


@pytest.mark.parametrize("target", ["https://evil.example/", "//evil.example", "/\\evil.example"])
def test_a_foreign_next_ends_at_home(client, alice, outbox, target):
    ask(client, next=target)
    assert press(client, mailed_link(outbox)).location == "/"


def test_a_sign_in_started_at_an_app_ends_at_the_app(client, accounts_app, alice, outbox, register):
    rp, flow, verifier = register("tenant"), Flow(client), new_verifier()
    next_url = query_of(flow.authorize(rp, verifier).location)["next"]
    ask(client, next=next_url)
    assert press(client, mailed_link(outbox)).location == next_url
    answer = query_of(client.get(next_url).location)
    tokens = flow.exchange(rp, CodeResult(answer["code"], verifier, answer["state"], "")).get_json()
    assert flow.verify(tokens["id_token"]).claims["amr"] == ["email"]


def test_a_banned_user_gets_no_link(accounts_app, client, alice, outbox):
    with accounts_app.app_context():
        db.session.get(User, alice.id).banned_at = utcnow()
        db.session.commit()
    assert ask(client).location == "/check-inbox"
    assert outbox("alice@example.com") == []


def test_a_user_banned_after_the_mail_cannot_use_the_link(accounts_app, client, alice_link, alice):
    with accounts_app.app_context():
        db.session.get(User, alice.id).banned_at = utcnow()
        db.session.commit()
    response = press(client, alice_link)
    assert response.status_code == 403
    assert "This account is suspended" in response.get_data(as_text=True)
    assert signed_in_as(client) is None


def test_a_half_signed_in_browser_cannot_start_another_link_sign_in(accounts_app, client, alice, outbox):
    enrol(accounts_app, alice.id)
    ask(client)
    link = mailed_link(outbox)
    press(client, link)
    assert client.get(ASK).location == CHALLENGE


def test_the_audit_log_records_the_request_the_use_and_the_sign_in(accounts_app, client, alice_link, alice):
    press(client, alice_link)
    recorded = [(e.event_type, e.actor_id) for e in events(accounts_app)]
    assert recorded == [
        ("signin.link_requested", alice.id),
        ("signin.link_used", alice.id),
        ("signin.succeeded", alice.id),
    ]
    assert events(accounts_app, "signin.succeeded")[0].details == {"amr": ["email"]}


def test_refused_links_are_audited_with_why(accounts_app, client, alice_link, alice):
    accounts_app.test_client().get(alice_link)  # another browser
    press(client, alice_link)
    submit(client, alice_link, {}, form_url=ASK)  # used
    whys = [e.details["why"] for e in events(accounts_app, "signin.failed") if e.actor_id == alice.id]
    assert whys == ["magic-link-other-browser", "magic-link-used"]


def test_an_expired_link_is_audited(accounts_app, alice, outbox):
    client = accounts_app.test_client()
    with time_machine.travel(utcnow(), tick=False) as clock:
        ask(client)
        link = mailed_link(outbox)
        clock.shift(timedelta(minutes=11))
        client.get(link)
    (failed,) = events(accounts_app, "signin.failed")
    assert (failed.actor_id, failed.details) == (alice.id, {"why": "magic-link-expired"})


def test_the_request_form_refuses_a_bad_address_without_a_500(client):
    response = submit(client, ASK, {"email": "not an address"})
    assert (response.status_code, response.location) == (303, ASK)
    assert "Enter a valid email address." in page(client, ASK)
