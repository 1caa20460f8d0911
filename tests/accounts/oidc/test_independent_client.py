"""A second, independent OpenID client library (pyoidc, the certified `oic` package, not Authlib) completes
discovery, code + PKCE, token, userinfo and refresh against Accounts served over real HTTP on a loopback port."""

import threading
from urllib.parse import urlsplit

import pytest
import requests
from oic import rndstr
from oic.oic import Client as OicClient
from oic.oic.message import AuthorizationResponse, OpenIDSchema, RegistrationResponse
from oic.utils.authn.client import CLIENT_AUTHN_METHOD
from werkzeug.serving import make_server

import accounts
from accounts.cli import create_user
from accounts.extensions import db
from accounts.oidc.clients import Registration, register_client
from tests.conftest import CSRF_RE, PASSWORD, _clean, accounts_overrides

REDIRECT_URI = "http://127.0.0.1:9/rp/callback"  # never fetched: the "browser" stops at the redirect


@pytest.fixture
def live_provider():
    """Accounts on 127.0.0.1:<free port>, its issuer URL matching, with a confidential client and a user."""
    holder = {}
    server = make_server("127.0.0.1", 0, lambda environ, start: holder["app"](environ, start), threaded=True)
    issuer = f"http://127.0.0.1:{server.server_port}"
    app = accounts.create_app({**accounts_overrides(), "SITE_URL": issuer})
    holder["app"] = app
    with app.app_context():
        db.create_all()
        _clean(db)
        create_user("carol@example.com", PASSWORD, "Carol")
        db.session.commit()
        registration = Registration(
            name="Independent RP",
            redirect_uris=[REDIRECT_URI],
            post_logout_redirect_uris=[],
            backchannel_logout_uri=None,
            scope="openid profile email offline_access",
            public=False,
            first_party=True,
        )
        _, secret = register_client(registration, "independent-rp")
        db.session.remove()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield {"issuer": issuer, "client_id": "independent-rp", "client_secret": secret}
    server.shutdown()
    thread.join()
    with app.app_context():
        _clean(db)
        db.engine.dispose()


def _browser_signs_in_and_approves(login_url: str) -> str:
    """The user's browser: follows the authorization request, signs in, and returns the callback URL."""
    browser = requests.Session()
    response = browser.get(login_url, allow_redirects=False, timeout=5)
    assert response.status_code == 302
    sign_in_url = response.headers["Location"]
    assert urlsplit(sign_in_url).path == "/sign-in"
    issuer = f"{urlsplit(login_url).scheme}://{urlsplit(login_url).netloc}"
    page = browser.get(issuer + sign_in_url, timeout=5)
    token = CSRF_RE.search(page.text).group(1)
    next_url = urlsplit(page.url).query.split("next=", 1)[1]
    response = browser.post(
        issuer + "/sign-in",
        data={
            "csrf_token": token,
            "email": "carol@example.com",
            "password": PASSWORD,
            "next": requests.utils.unquote(next_url),
        },
        allow_redirects=False,
        timeout=5,
    )
    assert response.status_code == 303
    response = browser.get(issuer + response.headers["Location"], allow_redirects=False, timeout=5)
    assert response.status_code == 302
    callback = response.headers["Location"]
    assert callback.startswith(REDIRECT_URI + "?")
    return callback


def test_pyoidc_completes_the_whole_flow(live_provider):
    rp = OicClient(client_authn_method=CLIENT_AUTHN_METHOD)

    # Discovery (and JWKS, which pyoidc loads from jwks_uri).
    provider_info = rp.provider_config(live_provider["issuer"])
    assert provider_info["issuer"] == live_provider["issuer"]
    assert provider_info["code_challenge_methods_supported"] == ["S256"]

    rp.store_registration_info(
        RegistrationResponse(
            client_id=live_provider["client_id"],
            client_secret=live_provider["client_secret"],
            redirect_uris=[REDIRECT_URI],
        )
    )

    # Authorization request with PKCE S256, built by pyoidc.
    state, nonce = rndstr(), rndstr()
    pkce_args, code_verifier = rp.add_code_challenge()
    assert pkce_args["code_challenge_method"] == "S256"
    request = rp.construct_AuthorizationRequest(
        request_args={
            "client_id": live_provider["client_id"],
            "response_type": "code",
            "scope": ["openid", "profile", "email", "offline_access"],
            "nonce": nonce,
            "redirect_uri": REDIRECT_URI,
            "state": state,
            **pkce_args,
        }
    )
    rp.state2nonce[state] = nonce
    callback = _browser_signs_in_and_approves(request.request(rp.authorization_endpoint))

    response = rp.parse_response(AuthorizationResponse, info=urlsplit(callback).query, sformat="urlencoded")
    assert response["state"] == state
    assert response["iss"] == live_provider["issuer"]

    # Token request (client_secret_basic + code_verifier); pyoidc verifies the ID token's signature and claims.
    tokens = rp.do_access_token_request(
        state=state,
        request_args={"code": response["code"], "code_verifier": code_verifier, "redirect_uri": REDIRECT_URI},
        authn_method="client_secret_basic",
    )
    id_token = tokens["id_token"]
    assert id_token["iss"] == live_provider["issuer"]
    assert id_token["aud"] == [live_provider["client_id"]]
    assert id_token["nonce"] == nonce
    assert id_token["email"] == "carol@example.com"
    assert id_token["sid"]
    first_refresh_token = tokens["refresh_token"]

    # Userinfo with the access token (pyoidc's default: POST with the token in the body, RFC 6750 §2.2).
    userinfo = rp.do_user_info_request(state=state)
    assert isinstance(userinfo, OpenIDSchema)
    assert userinfo["sub"] == id_token["sub"]
    assert userinfo["name"] == "Carol"
    assert userinfo["email"] == "carol@example.com"

    # Refresh: rotated refresh token, new access token that userinfo accepts.
    refreshed = rp.do_access_token_refresh(state=state, authn_method="client_secret_basic")
    assert refreshed["refresh_token"] != first_refresh_token
    assert refreshed["access_token"] != tokens["access_token"]
    # And the recommended form: GET with the token in the Authorization header.
    assert rp.do_user_info_request(method="GET", state=state)["sub"] == id_token["sub"]
