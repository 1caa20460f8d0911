"""SPEC §4.3: bad input of any kind gets a clear, styled error with the right status, never a 500 or a trace."""

import logging

import pytest

from tests.accounts.conftest import signed_in_as, stored_user
from tests.conftest import Auth, csrf_token

FORM = "application/x-www-form-urlencoded"


def assert_clear_error(response, status: int):
    """A styled page with the status, a message, and no internals."""
    assert response.status_code == status
    html = response.get_data(as_text=True)
    assert f'<span class="status-code">({status})</span>' in html
    assert "/static/gatehouse.css" in html
    assert "Traceback" not in html and "File &#34;" not in html and 'File "' not in html


@pytest.mark.parametrize(
    ("content_type", "body"),
    [
        (FORM, b""),
        (FORM, b"%%%&&==&=&%zz"),
        (FORM, b"csrf_token=%ff%fe&note=\xff\xfe\xfd"),
        ("multipart/form-data", b"garbage without a boundary"),
        (
            "multipart/form-data; boundary=xyz",
            b'--xyz\r\nContent-Disposition: form-data; name="note"\r\n\r\nunterminated',
        ),
        ("application/json", b'{"note": '),
        ("text/plain", b"\x00\x01\x02"),
        (FORM, b"note=" + b"x" * 200_000),
    ],
    ids=[
        "empty",
        "malformed",
        "non-utf8",
        "multipart-no-boundary",
        "multipart-truncated",
        "broken-json",
        "binary",
        "very-long-field",
    ],
)
def test_a_malformed_post_is_a_clear_400(site, content_type, body):
    response = site.test_client().post("/_test/form", data=body, content_type=content_type)
    assert_clear_error(response, 400)


@pytest.mark.parametrize(
    ("path", "options"),
    [
        ("/no%00such", {}),
        ("/", {"query_string": {"next": "/\x00"}}),
        ("/", {"query_string": {"ne\x00xt": "/"}}),
        ("/_test/form", {"method": "POST", "data": {"note": "a\x00b"}}),
        ("/_test/form", {"method": "POST", "data": {"note": "a\x00b"}, "content_type": "multipart/form-data"}),
        ("/", {"headers": {"User-Agent": "Mozilla\x00"}}),
        ("/_test/form", {"method": "POST", "data": b"{}", "headers": {"Content-Type": "application/json\x00"}}),
    ],
    ids=["path", "query", "query-name", "form", "multipart", "header", "content-type"],
)
def test_a_nul_byte_anywhere_is_a_clear_400(site, path, options):
    # PostgreSQL refuses NUL in text: without this guard such input would be a 500 there.
    assert_clear_error(site.test_client().open(path, **options), 400)


def test_an_oversized_body_is_a_clear_413(site):
    body = b"note=" + b"x" * (site.config["MAX_CONTENT_LENGTH"] + 1)
    assert_clear_error(site.test_client().post("/_test/form", data=body, content_type=FORM), 413)


def test_a_body_just_under_the_limit_is_read(site):
    body = b"note=" + b"x" * (site.config["MAX_CONTENT_LENGTH"] - 100)
    # Without a token the form is refused, but by CSRF (400), not by size (413): the body was read.
    assert site.test_client().post("/_test/form", data=body, content_type=FORM).status_code == 400


def test_an_unknown_page_is_a_clear_404(site):
    assert_clear_error(site.test_client().get("/no/such/page"), 404)
    assert_clear_error(site.test_client().get("/static/no-such-file.css"), 404)


def test_a_wrong_method_is_a_clear_405_naming_the_allowed_ones(site):
    response = site.test_client().delete("/")
    assert_clear_error(response, 405)
    assert set(response.headers["Allow"].split(", ")) == {"GET", "HEAD", "OPTIONS"}
    response = site.test_client().get("/_test/form")
    assert_clear_error(response, 405)
    assert set(response.headers["Allow"].split(", ")) == {"POST", "OPTIONS"}


def test_errors_answer_json_to_json_clients(site):
    response = site.test_client().get("/no/such/page", headers={"Accept": "application/json"})
    assert response.status_code == 404
    assert response.get_json() == {"error": "Not Found", "message": "There is nothing here."}


@pytest.mark.parametrize(
    "cookie",
    ["tampered-" + "A" * 34, "", "%%%", "a" * 129, "x" * 4000, "\u00e9t\u00e9", "1; other=2", '"quoted"'],
    ids=["tampered", "empty", "garbage", "just-too-long", "very-long", "non-ascii", "injected", "quoted"],
)
def test_a_bad_session_cookie_starts_a_new_anonymous_session(site, cookie):
    name = site.config["SESSION_COOKIE_NAME"]
    client = site.test_client()
    response = client.get("/_test/session", headers={"Cookie": f"{name}={cookie}"})
    assert response.status_code == 200
    assert response.get_json() == {"visits": 1}
    fresh = client.get_cookie(name).value
    assert fresh != cookie and len(fresh) >= 43
    assert client.get("/_test/session").get_json() == {"visits": 2}
    assert client.get("/").status_code == 200


def test_an_unexpected_error_is_a_styled_500_without_internals(site, caplog):
    with caplog.at_level(logging.ERROR):
        response = site.test_client().get("/_test/crash")
    assert_clear_error(response, 500)
    html = response.get_data(as_text=True)
    assert "Something went wrong on our side." in html
    assert "hunter2" not in html and "RuntimeError" not in html
    assert "hunter2" in caplog.text  # operators still get the details, in the log


def test_security_headers_are_on_error_pages_too(site):
    response = site.test_client().get("/_test/crash")
    assert "frame-ancestors 'none'" in response.headers["Content-Security-Policy"]


# Accounts forms: bad input comes back as form errors, with what was typed kept and nothing saved.


@pytest.fixture
def typed(client):
    """POST the sign-up form with a valid CSRF token and raw field values."""

    def post(**fields):
        data = {"csrf_token": csrf_token(client, "/sign-up"), "name": "Bea", "email": "bea@example.com"}
        data.update(fields)
        return client.post("/sign-up", data=data)

    return post


@pytest.mark.parametrize(
    "fields",
    [
        {"name": "N" * 100_000},
        {"email": "e" * 100_000 + "@example.com"},
        {"password": "p" * 100_000},
        {"name": "\x01\x02"},
        {"email": "bea@example.com\r\nBcc: victim@example.com"},
        {"email": "<script>alert(1)</script>@example.com"},
    ],
    ids=["long-name", "long-email", "long-password", "control-chars", "header-injection", "markup"],
)
def test_bad_sign_up_fields_come_back_as_form_errors(client, accounts_app, outbox, typed, fields):
    response = typed(**{"password": "a fine passphrase", **fields})
    assert response.status_code == 303
    assert response.location == "/sign-up"
    html = client.get("/sign-up").get_data(as_text=True)
    assert '<ul class="errors"' in html
    assert "<script>alert(1)</script>" not in html
    assert outbox() == []


def test_percent_encoded_non_utf8_in_a_form_is_an_error_not_a_crash(client, accounts_app):
    token = csrf_token(client, "/sign-in")
    body = f"csrf_token={token}&email=%ff%fe@example.com&password=%ff%fe%fd%fc%fb%fa%f9%f8".encode()
    response = client.post("/sign-in", data=body, content_type=FORM)
    assert response.status_code == 303
    assert "The email or password is not correct." in client.get("/sign-in").get_data(as_text=True)


def test_raw_non_utf8_bytes_make_the_form_unreadable_which_is_a_clear_400(client, accounts_app):
    token = csrf_token(client, "/sign-in")
    body = f"csrf_token={token}&email=a@example.com&password=\xff\xfe".encode("latin-1")
    assert_clear_error(client.post("/sign-in", data=body, content_type=FORM), 400)


def test_nul_bytes_in_accounts_forms_and_urls_are_refused(client, accounts_app, make_user):
    make_user()
    token = csrf_token(client, "/sign-in")
    response = client.post("/sign-in", data={"csrf_token": token, "email": "alice\x00@example.com", "password": "x"})
    assert_clear_error(response, 400)
    Auth(client).sign_in()
    token = csrf_token(client, "/sessions/")
    assert_clear_error(client.post("/sessions/%00/revoke", data={"csrf_token": token}), 400)
    assert signed_in_as(client) == "Alice"


def test_a_bad_request_loses_nothing_already_saved(client, accounts_app, make_user):
    make_user()
    Auth(client).sign_in()
    client.post("/account/password", data=b"x" * 300_000, content_type=FORM)
    client.post("/account/password", data=b"%%%", content_type=FORM)
    assert signed_in_as(client) == "Alice"
    assert stored_user(accounts_app, "alice@example.com").password_hash.startswith("$argon2id$")
