"""Passkey autofill (conditional UI): the sign-in page's email field offers this site's passkeys, through the same
options and verify routes as the button, from the first-party script the CSP allows."""

import re

from tests.accounts.mfa.conftest import CHALLENGE, enrol, events, signed_in_record, user_id
from tests.accounts.passkeys.conftest import passkey_sign_in, post_json


def test_the_email_field_asks_the_browser_for_passkey_autofill(client):
    page = client.get("/sign-in").get_data(as_text=True)
    [email] = re.findall(r"<input[^>]*id=\"email\"[^>]*>", page)
    assert 'autocomplete="username webauthn"' in email
    assert 'data-conditional="on"' in page  # passkeys.js starts the conditional get() for this button


def test_only_the_sign_in_page_starts_autofill(client, accounts_app, alice_with_passkey, auth):
    enrol(accounts_app, user_id(accounts_app, "alice@example.com"))
    auth.sign_in()
    assert "data-conditional" not in client.get(CHALLENGE).get_data(as_text=True)


def test_autofill_options_name_no_account_and_require_user_verification(client, alice_with_passkey):
    options = post_json(client, "/sign-in/passkey/options", token_from="/sign-in").get_json()
    assert options["allowCredentials"] == []  # discoverable: the browser lists whatever passkeys it holds here
    assert options["userVerification"] == "required" and options["rpId"] == "localhost"


def test_an_autofill_answer_signs_in_like_the_button(client, accounts_app, alice_with_passkey):
    response = passkey_sign_in(client, alice_with_passkey)
    assert response.get_json() == {"redirect": "/"}
    assert signed_in_record(accounts_app, client)["amr"] == ["hwk", "user"]


def test_pressing_the_button_replaces_the_waiting_autofill_challenge(client, accounts_app, alice_with_passkey):
    autofill = post_json(client, "/sign-in/passkey/options", token_from="/sign-in").get_json()
    button = post_json(client, "/sign-in/passkey/options", token_from="/sign-in").get_json()
    assert autofill["challenge"] != button["challenge"]  # each get() has its own fresh server-side challenge
    late = alice_with_passkey.get(autofill)
    refused = post_json(client, "/sign-in/passkey", {"credential": late}, token_from="/sign-in")
    assert refused.status_code == 400 and signed_in_record(accounts_app, client) == {}
    assert events(accounts_app)[-1].details == {"why": "passkey"}


def test_after_an_aborted_autofill_the_button_still_signs_in(client, accounts_app, alice_with_passkey):
    post_json(client, "/sign-in/passkey/options", token_from="/sign-in")  # autofill waiting, then aborted
    response = passkey_sign_in(client, alice_with_passkey)  # the button: options again, get(), verify
    assert response.status_code == 200
    assert signed_in_record(accounts_app, client)["amr"] == ["hwk", "user"]


def test_the_script_is_first_party_and_the_csp_allows_no_inline_script(client):
    response = client.get("/sign-in")
    policy = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in policy and "unsafe-inline" not in policy
    page = response.get_data(as_text=True)
    scripts = re.findall(r"<script([^>]*)>(.*?)</script>", page, re.S)
    assert scripts and all('src="/static/' in attrs and not body.strip() for attrs, body in scripts)
    assert '<script src="/static/passkeys.js" defer>' in page
    with client.get("/static/passkeys.js") as script:  # a static file is streamed from disk
        assert script.status_code == 200 and script.mimetype in {"text/javascript", "application/javascript"}
        source = script.get_data(as_text=True)
    assert "isConditionalMediationAvailable" in source and 'mediation: "conditional"' in source
    assert "AbortController" in source  # the button ends a waiting autofill before its own get()
