"""SPEC §2.3: server-side sessions, "Your sessions" (list, revoke one, revoke all others), timeouts."""

import re
import threading
from datetime import timedelta

import pytest
import time_machine
from flask import g, session

from accounts.extensions import db
from accounts.oidc.clients import Registration, register_client
from accounts.oidc.models import ClientSession
from accounts.sessions.authentication import begin
from accounts.sessions.devices import device_name
from accounts.sessions.services import end_sessions
from accounts.sessions.signals import session_ended
from common.clock import utcnow
from tests.accounts.conftest import add_user, cookie_value, flashes, page, session_rows, signed_in_as, with_cookie
from tests.conftest import Auth, csrf_token, submit

REVOKE_RE = re.compile(r'action="/sessions/([^/"]+)/revoke"')


def browser(app, user_agent: str, ip: str):
    """A client that presents itself with a user agent and an IP address."""
    client = app.test_client()
    client.environ_base.update({"HTTP_USER_AGENT": user_agent, "REMOTE_ADDR": ip})
    return client


@pytest.fixture
def alice(make_user):
    return make_user("alice@example.com", name="Alice")


@pytest.fixture
def laptop(accounts_app, alice):
    client = browser(accounts_app, "Firefox on Linux", "198.51.100.7")
    Auth(client).sign_in()
    return client


@pytest.fixture
def phone(accounts_app, alice):
    client = browser(accounts_app, "Safari on iPhone", "203.0.113.9")
    Auth(client).sign_in()
    return client


def revocable_ids(client) -> list[str]:
    """The public ids behind the "Sign out" buttons on the sessions page."""
    return REVOKE_RE.findall(client.get("/sessions/").get_data(as_text=True))


def test_the_sessions_page_needs_a_signed_in_user(client):
    assert client.get("/sessions/").location == "/sign-in?next=/sessions/"


def test_the_page_lists_device_ip_created_and_last_seen(accounts_app, laptop, phone, alice):
    rows = session_rows(accounts_app, alice.id)
    with time_machine.travel(utcnow() + timedelta(minutes=5), tick=False):
        html = page(laptop, "/sessions/")
    for text in ("Firefox on Linux", "198.51.100.7", "Safari on iPhone", "203.0.113.9", "This session"):
        assert text in html
    assert html.count("<tr") == 3  # a header row and two sessions
    for row in rows:
        for moment in (row.created_at, row.last_seen_at):
            assert f'<time datetime="{moment.isoformat()}Z">{moment:%Y-%m-%d %H:%M} UTC</time>' in html


def test_the_list_shows_only_your_own_sessions(accounts_app, laptop, make_user):
    make_user("bob@example.com", name="Bob")
    bob = browser(accounts_app, "Bob's Browser", "192.0.2.1")
    Auth(bob).sign_in("bob@example.com")
    html = page(laptop, "/sessions/")
    assert "Bob's Browser" not in html and "192.0.2.1" not in html


def test_revoking_one_session_signs_that_browser_out(laptop, phone):
    [phone_id] = revocable_ids(laptop)
    response = submit(laptop, f"/sessions/{phone_id}/revoke", {}, form_url="/sessions/")
    assert response.status_code == 303
    assert response.location == "/sessions/"
    assert flashes(laptop.get("/sessions/")) == ["That session is signed out."]
    assert signed_in_as(phone) is None
    assert signed_in_as(laptop) == "Alice"
    assert revocable_ids(laptop) == []


def test_you_cannot_revoke_another_users_session(accounts_app, laptop, make_user):
    make_user("bob@example.com", name="Bob")
    bob = browser(accounts_app, "Bob's Browser", "192.0.2.1")
    Auth(bob).sign_in("bob@example.com")
    [bobs_id] = revocable_ids(bob) or [
        s.public_id for s in session_rows(accounts_app) if s.user_agent == "Bob's Browser"
    ]

    response = submit(laptop, f"/sessions/{bobs_id}/revoke", {}, form_url="/sessions/")
    assert response.status_code == 404
    assert signed_in_as(bob) == "Bob"


def test_an_unknown_session_id_is_a_404(laptop):
    assert submit(laptop, "/sessions/no-such-session/revoke", {}, form_url="/sessions/").status_code == 404


def test_revoking_your_own_session_from_the_list_is_refused_quietly(accounts_app, laptop, alice):
    [own] = session_rows(accounts_app, alice.id)
    response = submit(laptop, f"/sessions/{own.public_id}/revoke", {}, form_url="/sessions/")
    assert response.location == "/sessions/"
    assert signed_in_as(laptop) == "Alice"  # signing out is what the sign-out button is for


def test_revoking_all_others_keeps_only_this_one(accounts_app, laptop, phone, alice):
    tablet = browser(accounts_app, "Tablet", "192.0.2.44")
    Auth(tablet).sign_in()
    response = submit(laptop, "/sessions/revoke-others", {}, form_url="/sessions/")
    assert response.status_code == 303
    assert flashes(laptop.get("/sessions/")) == ["Signed out 2 other sessions."]
    assert signed_in_as(phone) is None and signed_in_as(tablet) is None
    assert signed_in_as(laptop) == "Alice"
    assert len(session_rows(accounts_app, alice.id)) == 1


def test_an_idle_session_ends_after_12_hours(accounts_app, laptop):
    cookie = cookie_value(laptop, accounts_app)
    with time_machine.travel(utcnow() + timedelta(hours=11, minutes=59), tick=False):
        assert signed_in_as(with_cookie(accounts_app, cookie)) == "Alice"  # and this visit counts as activity
    with time_machine.travel(utcnow() + timedelta(hours=23, minutes=58), tick=False):
        assert signed_in_as(with_cookie(accounts_app, cookie)) == "Alice"
    with time_machine.travel(utcnow() + timedelta(hours=35, minutes=59), tick=False):
        assert signed_in_as(with_cookie(accounts_app, cookie)) is None


def test_a_busy_session_still_ends_after_14_days(accounts_app, laptop):
    cookie = cookie_value(laptop, accounts_app)
    start = utcnow()
    for hours in range(6, 14 * 24, 6):
        with time_machine.travel(start + timedelta(hours=hours), tick=False):
            assert signed_in_as(with_cookie(accounts_app, cookie)) == "Alice", f"ended after {hours} h"
    with time_machine.travel(start + timedelta(days=14, seconds=1), tick=False):
        assert signed_in_as(with_cookie(accounts_app, cookie)) is None
        assert "Firefox on Linux" not in laptop.get("/sessions/").get_data(as_text=True)


def test_timeouts_are_configurable(accounts_app_with):
    app = accounts_app_with(SESSION_IDLE_TIMEOUT=timedelta(minutes=10), SESSION_ABSOLUTE_LIFETIME=timedelta(hours=1))
    add_user(app)
    client = app.test_client()
    Auth(client).sign_in()
    assert client.get_cookie(app.config["SESSION_COOKIE_NAME"]).max_age == 3600
    with time_machine.travel(utcnow() + timedelta(minutes=11), tick=False):
        assert signed_in_as(client) is None


def test_an_expired_session_is_not_listed(accounts_app, laptop, phone):
    with time_machine.travel(utcnow() + timedelta(hours=11), tick=False):
        laptop.get("/")
    with time_machine.travel(utcnow() + timedelta(hours=13), tick=False):
        assert revocable_ids(laptop) == []  # the phone has been idle for 13 hours


@pytest.fixture
def while_in_flight(accounts_app):
    """Test-only pages during which another worker acts on the same session: while_in_flight(action)."""
    actions = []

    def run_other_worker():
        worker = threading.Thread(target=actions.pop())
        worker.start()
        worker.join()

    @accounts_app.get("/_test/slow-write")
    def slow_write():
        run_other_worker()
        session["seen"] = True  # the late request then writes its session back
        return "done"

    @accounts_app.get("/_test/slow-touch")
    def slow_touch():
        run_other_worker()  # the late request then only records "last seen"
        return "done"

    return actions.append


def test_a_session_revoked_during_one_of_its_requests_stays_revoked(accounts_app, while_in_flight, laptop, alice):
    cookie = cookie_value(laptop, accounts_app)

    def revoke_everything():
        with accounts_app.app_context():
            end_sessions(alice.id, reason="revoked")
            db.session.commit()

    while_in_flight(revoke_everything)
    assert laptop.get("/_test/slow-write").status_code == 200
    assert session_rows(accounts_app) == []  # the store did not write the row back
    assert signed_in_as(with_cookie(accounts_app, cookie)) is None


def test_a_revoked_session_is_not_revived_by_a_late_last_seen_update(accounts_app, while_in_flight, laptop, alice):
    def revoke_everything():
        with accounts_app.app_context():
            end_sessions(alice.id, reason="revoked")
            db.session.commit()

    while_in_flight(revoke_everything)
    with time_machine.travel(utcnow() + timedelta(minutes=5), tick=False):  # due for a last-seen update
        assert laptop.get("/_test/slow-touch").status_code == 200
    assert session_rows(accounts_app) == []


def test_signing_out_during_another_request_of_the_session_stays_signed_out(
    accounts_app, while_in_flight, laptop, alice
):
    cookie = cookie_value(laptop, accounts_app)
    other_tab = with_cookie(accounts_app, cookie)
    token = csrf_token(other_tab, "/")
    answers = []
    while_in_flight(lambda: answers.append(other_tab.post("/sign-out", data={"csrf_token": token}).status_code))

    assert laptop.get("/_test/slow-write").status_code == 200
    assert answers == [303]
    # The late request must not write the signed-in data back over the signed-out session.
    assert signed_in_as(with_cookie(accounts_app, cookie)) is None
    assert signed_in_as(laptop) is None
    assert session_rows(accounts_app, alice.id) == []


@pytest.fixture
def ended():
    """Collect every session_ended signal as (sid, user_id, reason)."""
    seen = []

    def receiver(sender, sid, user_id, reason):
        seen.append((sid, user_id, reason))

    session_ended.connect(receiver)
    yield seen
    session_ended.disconnect(receiver)


def public_ids(app, user_id) -> set[str]:
    return {row.public_id for row in session_rows(app, user_id)}


def test_signing_out_announces_the_end(accounts_app, laptop, alice, ended):
    [sid] = public_ids(accounts_app, alice.id)
    Auth(laptop).sign_out()
    assert ended == [(sid, alice.id, "sign-out")]


def test_revoking_announces_each_end(accounts_app, laptop, phone, alice, ended):
    tablet = browser(accounts_app, "Tablet", "192.0.2.44")
    Auth(tablet).sign_in()
    [own] = [r.public_id for r in session_rows(accounts_app, alice.id) if r.user_agent == "Firefox on Linux"]
    others = public_ids(accounts_app, alice.id) - {own}
    first, second = sorted(others)

    submit(laptop, f"/sessions/{first}/revoke", {}, form_url="/sessions/")
    assert ended == [(first, alice.id, "revoked")]
    submit(laptop, "/sessions/revoke-others", {}, form_url="/sessions/")
    assert ended == [(first, alice.id, "revoked"), (second, alice.id, "revoked")]


def test_an_ended_session_is_announced_only_once_the_flow_commits(accounts_app, laptop, alice, ended):
    [sid] = public_ids(accounts_app, alice.id)
    with accounts_app.app_context():
        end_sessions(alice.id, reason="revoked")
        assert ended == [], "clients must not be told before the session is really gone"
        db.session.commit()
    assert ended == [(sid, alice.id, "revoked")]
    assert session_rows(accounts_app, alice.id) == []


def test_an_end_rolled_back_is_never_announced(accounts_app, laptop, alice, ended):
    with accounts_app.app_context():
        end_sessions(alice.id, reason="revoked")
        db.session.rollback()
        db.session.commit()
    assert ended == []
    assert signed_in_as(laptop) == "Alice"


def test_a_password_change_announces_every_other_end(accounts_app, laptop, phone, alice, ended):
    [phone_sid] = [r.public_id for r in session_rows(accounts_app, alice.id) if r.user_agent == "Safari on iPhone"]
    data = {
        "current_password": "correct horse battery staple",
        "password": "new passphrase!",
        "confirm": "new passphrase!",
    }
    submit(laptop, "/account/password", data)
    assert ended == [(phone_sid, alice.id, "password-change")]


def test_a_password_reset_announces_every_end(accounts_app, laptop, phone, alice, ended, outbox):
    sids = public_ids(accounts_app, alice.id)
    stranger = accounts_app.test_client()
    submit(stranger, "/reset", {"email": "alice@example.com"})
    link = re.search(r"http://[^/]+(/reset/\S+)", outbox("alice@example.com")[-1].body).group(1)
    submit(stranger, link, {"password": "new passphrase!", "confirm": "new passphrase!"})
    assert sorted(ended) == sorted((sid, alice.id, "password-reset") for sid in sids)


def test_signing_in_over_another_users_session_announces_its_end(accounts_app, laptop, alice, make_user, ended):
    [sid] = public_ids(accounts_app, alice.id)
    make_user("bob@example.com", name="Bob")
    Auth(laptop).sign_in("bob@example.com")
    assert signed_in_as(laptop) == "Bob"
    assert [(s, u) for s, u, _ in ended] == [(sid, alice.id)]


def test_anonymous_sessions_end_silently(client, ended):
    client.get("/sign-in")
    client.post("/sign-out", data={"csrf_token": csrf_token(client, "/sign-in")})
    assert ended == []


def test_signing_in_again_as_the_same_user_keeps_the_session_under_a_new_cookie(accounts_app, laptop, alice, ended):
    [before] = session_rows(accounts_app, alice.id)
    old_cookie = cookie_value(laptop, accounts_app)
    with time_machine.travel(utcnow() + timedelta(minutes=5), tick=False):
        Auth(laptop).sign_in()
    [after] = session_rows(accounts_app, alice.id)
    # Same session (public id = OIDC sid, created, absolute deadline), so tenants bound to it stay reachable.
    assert (after.public_id, after.created_at, after.expires_at) == (
        before.public_id,
        before.created_at,
        before.expires_at,
    )
    assert after.key != before.key
    assert signed_in_as(with_cookie(accounts_app, old_cookie)) is None, "the old cookie token is dead (no fixation)"
    assert signed_in_as(laptop) == "Alice"
    assert ended == []


def test_signing_in_as_another_user_starts_a_new_session(accounts_app, laptop, alice, make_user):
    [old_sid] = public_ids(accounts_app, alice.id)
    bob = make_user("bob@example.com", name="Bob")
    Auth(laptop).sign_in("bob@example.com")
    [new_sid] = public_ids(accounts_app, bob.id)
    assert new_sid != old_sid
    assert public_ids(accounts_app, alice.id) == set()


@pytest.fixture
def sign_in_again_in_flight(accounts_app):
    """A test-only page that signs its user in again after another worker acted: sign_in_again_in_flight(action)."""
    actions = []

    @accounts_app.get("/_test/slow-sign-in-again")
    def slow_sign_in_again():
        worker = threading.Thread(target=actions.pop())
        worker.start()
        worker.join()
        begin(g.user, ["pwd"])
        return "done"

    return actions.append


def test_a_session_revoked_while_its_user_signs_in_again_stays_revoked(
    accounts_app, sign_in_again_in_flight, laptop, alice
):
    def revoke_everything():
        with accounts_app.app_context():
            end_sessions(alice.id, reason="revoked")
            db.session.commit()

    sign_in_again_in_flight(revoke_everything)
    assert laptop.get("/_test/slow-sign-in-again").status_code == 200
    assert session_rows(accounts_app) == [], "moving the record to the new token did not recreate it"
    assert signed_in_as(laptop) is None


CHROME_LINUX = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36"
IPHONE = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) "
    "Version/17.5 Mobile/15E148 Safari/604.1"
)
FIREFOX_WINDOWS = "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:133.0) Gecko/20100101 Firefox/133.0"


@pytest.mark.parametrize(
    ("user_agent", "name"),
    [
        (CHROME_LINUX, "Chrome on Linux"),
        (IPHONE, "Mobile Safari on iOS"),
        (FIREFOX_WINDOWS, "Firefox on Windows"),
        ("python-requests/2.32.3", "Python Requests"),
        ("", "Unknown device"),
        ("\x00\x01 nonsense", "Unknown device"),
        ("Mozilla/5.0 (" * 500, "Unknown device"),  # longer than the column: only its first 300 characters count
    ],
)
def test_device_names(user_agent, name):
    assert device_name(user_agent) == name


def register_app(app, client_id: str, name: str) -> int:
    """An OIDC client, as the provider stores it; its row id."""
    base = f"https://{client_id}.example"
    registration = Registration(
        name=name,
        redirect_uris=[f"{base}/auth/callback"],
        post_logout_redirect_uris=[],
        backchannel_logout_uri=None,
        scope="openid",
        public=False,
        first_party=True,
        resource=None,
    )
    with app.app_context():
        client, _ = register_client(registration, client_id)
        db.session.commit()
        return client.id


def test_each_session_names_its_device_and_the_apps_it_signed_into(accounts_app, alice):
    chrome = browser(accounts_app, CHROME_LINUX, "198.51.100.7")
    Auth(chrome).sign_in()
    iphone = browser(accounts_app, IPHONE, "203.0.113.9")
    Auth(iphone).sign_in()
    acme, globex = register_app(accounts_app, "acme", "Acme"), register_app(accounts_app, "globex", "Globex")
    chrome_sid = next(r.public_id for r in session_rows(accounts_app, alice.id) if "Chrome" in r.user_agent)
    with accounts_app.app_context():
        # What the provider records when a client gets tokens in a session (for back-channel logout).
        for client_id in (globex, acme):
            db.session.add(ClientSession(client_id=client_id, sid=chrome_sid, user_id=alice.id, created_at=utcnow()))
        db.session.commit()

    html = page(chrome, "/sessions/")

    rows = re.findall(r"<tr[ >].*?</tr>", html, re.S)[1:]
    [chrome_row] = [row for row in rows if "Chrome" in row]
    [iphone_row] = [row for row in rows if "iPhone" in row]
    assert "Chrome on Linux" in chrome_row and "This session" in chrome_row
    assert '<td data-label="Apps">Acme, Globex</td>' in chrome_row
    assert "Mobile Safari on iOS" in iphone_row and '<td data-label="Apps">—</td>' in iphone_row
