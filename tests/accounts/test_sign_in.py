"""SPEC §2.1, §2.3: sign in with email and password under a new session id; sign out by POST."""

import pytest

from tests.accounts.conftest import cookie_value, flashes, session_rows, signed_in_as, with_cookie
from tests.conftest import PASSWORD, csrf_token, submit


def test_signing_in_answers_303_and_greets_the_user(client, auth, make_user):
    make_user("alice@example.com", name="Alice")
    response = auth.sign_in("alice@example.com", PASSWORD)
    assert response.status_code == 303
    assert response.location == "/"
    assert flashes(client.get("/sign-in")) == ["Welcome, Alice."], "a first sign-in is not a return"
    assert signed_in_as(client) == "Alice"


def test_a_later_sign_in_says_welcome_back(client, auth, make_user):
    make_user("alice@example.com", name="Alice")
    auth.sign_in()
    auth.sign_out()
    auth.sign_in()
    assert flashes(client.get("/")) == ["Welcome back, Alice."]


def test_the_greeting_is_shown_once(client, auth, make_user):
    make_user("alice@example.com", name="Alice")
    auth.sign_in()
    assert flashes(client.get("/")) == ["Welcome, Alice."]
    assert flashes(client.get("/")) == []
    assert flashes(client.get("/sessions/")) == []


def test_a_greeting_not_shown_by_the_next_request_never_turns_up_later(client, auth, make_user):
    make_user("alice@example.com", name="Alice")
    # The page after the sign-in only redirects (as /authorize does, to an app): the greeting goes with it.
    response = auth.sign_in(next="/sessions")
    assert client.get(response.location).status_code == 308
    assert flashes(client.get("/sessions/")) == []
    assert flashes(client.get("/")) == []


def test_signing_in_issues_a_new_session_id_and_the_old_one_stops_working(client, auth, accounts_app, make_user):
    make_user()
    client.get("/sign-in")  # an anonymous session (holding the form's CSRF token) exists before signing in
    before = cookie_value(client, accounts_app)
    assert before

    auth.sign_in()
    after = cookie_value(client, accounts_app)
    assert after and after != before
    assert signed_in_as(client) == "Alice"
    # Session fixation: an attacker who planted or read the pre-login id gets nothing.
    assert signed_in_as(with_cookie(accounts_app, before)) is None
    assert signed_in_as(with_cookie(accounts_app, after)) == "Alice"


def test_the_session_cookie_holds_only_an_opaque_id(client, auth, accounts_app, make_user):
    user = make_user()
    auth.sign_in()
    value = cookie_value(client, accounts_app)
    assert len(value) >= 43  # 256 random bits, base64url
    [row] = session_rows(accounts_app, user.id)
    assert row.key != value  # the table stores a hash, so a leaked table yields no live cookie
    assert "alice" not in value.lower() and "." not in value  # not a signed payload of session data


@pytest.mark.parametrize("typed", ["ALICE@example.com", "  Alice@Example.Com  ", "alice@EXAMPLE.COM"])
def test_emails_are_case_insensitive(client, auth, make_user, typed):
    make_user("alice@example.com")
    auth.sign_in(typed, PASSWORD)
    assert signed_in_as(client) == "Alice"


@pytest.mark.parametrize(
    ("email", "password"),
    [
        ("alice@example.com", "wrong password!"),
        ("nobody@example.com", PASSWORD),
        ("alice@example.com", PASSWORD.upper()),
    ],
)
def test_a_wrong_password_and_an_unknown_email_get_the_same_message(client, auth, make_user, email, password):
    make_user("alice@example.com")
    response = auth.sign_in(email, password)
    assert response.status_code == 303
    assert response.location == "/sign-in"
    html = client.get("/sign-in").get_data(as_text=True)
    assert "The email or password is not correct." in html
    assert f'value="{email}"' in html  # the email stays typed, the password never
    assert password not in html
    assert signed_in_as(client) is None


@pytest.mark.parametrize(("field", "value"), [("email", ""), ("password", ""), ("password", "p" * 129)])
def test_an_incomplete_sign_in_form_is_shown_again_with_errors(client, auth, make_user, field, value):
    make_user()
    fields = {"email": "alice@example.com", "password": PASSWORD, field: value}
    response = auth.sign_in(**fields)
    assert response.status_code == 303
    assert f'id="{field}-errors"' in client.get("/sign-in").get_data(as_text=True)
    assert signed_in_as(client) is None


@pytest.mark.parametrize(
    ("next_url", "lands_on"),
    [
        ("/sessions/", "/sessions/"),
        ("/account/password?tab=1", "/account/password?tab=1"),
        ("", "/"),
        ("//evil.example", "/"),
        ("///evil.example", "/"),
        ("https://evil.example", "/"),
        ("http://localhost/sessions/", "/"),
        ("/\\evil.example", "/"),
        ("\\\\evil.example", "/"),
        ("javascript:alert(1)", "/"),
        ("/\t/evil.example", "/"),
        ("evil.example", "/"),
    ],
)
def test_next_only_leads_to_a_path_on_this_site(client, auth, make_user, next_url, lands_on):
    make_user()
    response = auth.sign_in(next=next_url)
    assert response.status_code == 303
    assert response.location == lands_on


def test_a_protected_page_sends_you_to_sign_in_and_back(client, make_user):
    make_user()
    response = client.get("/sessions/")
    assert response.status_code == 302
    assert response.location == "/sign-in?next=/sessions/"
    assert 'name="next" type="hidden" value="/sessions/"' in client.get(response.location).get_data(as_text=True)
    signed_in = submit(client, "/sign-in", {"email": "alice@example.com", "password": PASSWORD, "next": "/sessions/"})
    assert signed_in.location == "/sessions/"


def test_next_survives_a_failed_attempt(client, make_user):
    make_user()
    client.get("/sign-in?next=/sessions/")
    submit(client, "/sign-in", {"email": "alice@example.com", "password": "not it at all", "next": "/sessions/"})
    assert 'name="next" type="hidden" value="/sessions/"' in client.get("/sign-in").get_data(as_text=True)


def test_signing_out_ends_the_session(client, auth, accounts_app, make_user):
    make_user()
    auth.sign_in()
    signed_in_cookie = cookie_value(client, accounts_app)
    response = auth.sign_out()
    assert response.status_code == 303
    assert response.location == "/"
    assert flashes(client.get("/")) == ["You are signed out."]
    assert signed_in_as(client) is None
    assert signed_in_as(with_cookie(accounts_app, signed_in_cookie)) is None


def test_signing_out_needs_a_post(client, auth, make_user):
    make_user()
    auth.sign_in()
    assert client.get("/sign-out").status_code == 405
    assert signed_in_as(client) == "Alice"


def test_signing_out_needs_the_csrf_token(client, auth, make_user):
    make_user()
    auth.sign_in()
    # Another site can make the browser POST here, but cannot read the token (login CSRF, forced sign-out).
    response = client.post("/sign-out")
    assert response.status_code == 400
    assert signed_in_as(client) == "Alice"
    wrong_token = csrf_token(client.application.test_client(), "/sign-in")
    assert client.post("/sign-out", data={"csrf_token": wrong_token}).status_code == 400
    assert signed_in_as(client) == "Alice"


def test_signing_in_as_someone_else_replaces_the_session(client, auth, accounts_app, make_user):
    alice = make_user("alice@example.com", name="Alice")
    make_user("bob@example.com", name="Bob")
    auth.sign_in("alice@example.com")
    auth.sign_in("bob@example.com")
    assert signed_in_as(client) == "Bob"
    assert session_rows(accounts_app, alice.id) == []
