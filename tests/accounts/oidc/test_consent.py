"""Consent for clients that are not first-party, remembered per user, client and scopes; "Connected apps"."""

from urllib.parse import urlencode

import pytest

from tests.conftest import csrf_token

from .conftest import ISSUER, CodeResult, new_verifier, query_of


@pytest.fixture
def third_party(register):
    """A client not flagged first-party: its users are asked before it learns anything."""
    return register("gadget", first_party=False, scope="openid profile email offline_access")


def _consent_url(flow, rp, verifier: str, **overrides) -> tuple[str, dict]:
    params = flow.authorize_params(rp, verifier, **overrides)
    return "/authorize?" + urlencode(params), params


def _answer(client, url: str, button: str):
    """Press Allow or Deny on the consent page at url."""
    return client.post(url, data={"csrf_token": csrf_token(client, url), button: button.title()})


def test_consent_page_names_the_app_and_what_it_wants(flow, signed_in, third_party, client):
    url, _ = _consent_url(flow, third_party, new_verifier(), scope="openid email")
    page = client.get(url)
    assert page.status_code == 200
    assert page.headers["Cache-Control"] == "no-store"
    text = page.get_data(as_text=True)
    assert "Allow Gadget to use your account?" in text
    assert "See your email address" in text
    assert "See your name" not in text


def test_allowing_issues_a_code_and_is_remembered(flow, signed_in, third_party, client):
    verifier = new_verifier()
    url, params = _consent_url(flow, third_party, verifier, state="c1")
    response = _answer(client, url, "allow")
    assert response.status_code == 303
    answer = query_of(response.location)
    assert (answer["state"], answer["iss"]) == ("c1", ISSUER)
    tokens = flow.exchange(third_party, CodeResult(answer["code"], verifier, "c1", params["nonce"]))
    assert tokens.status_code == 200
    # Asked once: the same request now goes straight through.
    assert flow.code(third_party).code


def test_asking_for_more_scopes_asks_again(flow, signed_in, third_party, client):
    url, _ = _consent_url(flow, third_party, new_verifier(), scope="openid")
    _answer(client, url, "allow")
    url, _ = _consent_url(flow, third_party, new_verifier(), scope="openid email")
    assert client.get(url).status_code == 200
    # A subset of what was allowed needs no new consent.
    _answer(client, url, "allow")
    assert flow.code(third_party, scope="openid").code


def test_denying_sends_access_denied_back(flow, signed_in, third_party, client):
    url, _ = _consent_url(flow, third_party, new_verifier(), state="d1")
    response = _answer(client, url, "deny")
    assert response.status_code == 303
    answer = query_of(response.location)
    assert (answer["error"], answer["state"], answer["iss"]) == ("access_denied", "d1", ISSUER)
    assert "code" not in answer
    fresh_url, _ = _consent_url(flow, third_party, new_verifier())
    assert client.get(fresh_url).status_code == 200  # nothing remembered


def test_consent_without_csrf_token_is_refused(flow, signed_in, third_party, client):
    url, _ = _consent_url(flow, third_party, new_verifier())
    response = client.post(url, data={"allow": "Allow"})
    assert response.status_code == 400
    assert response.location is None


def test_first_party_clients_skip_consent(flow, signed_in, confidential_client):
    assert flow.code(confidential_client).code


def test_prompt_consent_asks_even_when_remembered(flow, signed_in, third_party, client):
    url, _ = _consent_url(flow, third_party, new_verifier())
    _answer(client, url, "allow")
    url, _ = _consent_url(flow, third_party, new_verifier(), prompt="consent")
    assert client.get(url).status_code == 200


def test_connected_apps_lists_and_disconnects(flow, signed_in, third_party, client):
    url, _ = _consent_url(flow, third_party, new_verifier())
    _answer(client, url, "allow")
    tokens = flow.tokens(third_party)
    page = client.get("/connected-apps").get_data(as_text=True)
    assert "Gadget" in page

    response = client.post(
        "/connected-apps/gadget/disconnect", data={"csrf_token": csrf_token(client, "/connected-apps")}
    )
    assert response.status_code == 303
    assert "Gadget" not in client.get("/connected-apps").get_data(as_text=True)
    # Disconnecting revokes the app's tokens and forgets the consent.
    assert (
        client.get("/oauth/userinfo", headers={"Authorization": f"Bearer {tokens['access_token']}"}).status_code == 401
    )
    assert flow.refresh(third_party, tokens["refresh_token"]).get_json()["error"] == "invalid_grant"
    fresh_url, _ = _consent_url(flow, third_party, new_verifier())
    assert client.get(fresh_url).status_code == 200


def test_disconnecting_an_app_you_never_allowed_is_404(signed_in, confidential_client, client):
    token = csrf_token(client, "/connected-apps")
    assert client.post("/connected-apps/tenant/disconnect", data={"csrf_token": token}).status_code == 404
    assert client.post("/connected-apps/nobody/disconnect", data={"csrf_token": token}).status_code == 404


def test_disconnect_needs_csrf(signed_in, client):
    assert client.post("/connected-apps/gadget/disconnect").status_code == 400


def test_connected_apps_needs_sign_in(client):
    response = client.get("/connected-apps")
    assert response.status_code == 302
    assert response.location.startswith("/sign-in")
