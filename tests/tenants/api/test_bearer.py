"""Bearer access tokens (RFC 9068, RFC 6750): each way a token can be wrong, and the answer it gets."""

import base64
import hashlib
import hmac
import json
import time
from dataclasses import replace

import pytest
import requests
import time_machine
from joserfc import jwt
from joserfc.jwk import KeySet, RSAKey

from tenants.signin.client import provider
from tests.tenants.people import MEMBER, ORG

URL = f"/api/v1/orgs/{ORG}/todos"


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def resigned(token: str, header: dict, secret: bytes | None) -> str:
    """The token's claims under another header, HMAC-signed with secret (or unsigned when None)."""
    head = b64(json.dumps(header).encode())
    body = token.split(".")[1]
    if secret is None:
        return f"{head}.{body}."
    signature = hmac.new(secret, f"{head}.{body}".encode(), hashlib.sha256).digest()
    return f"{head}.{body}.{b64(signature)}"


def claims_of(token: str) -> dict:
    return json.loads(base64.urlsafe_b64decode(token.split(".")[1] + "=="))


def public_pem(key: RSAKey) -> bytes:
    return key.as_pem(private=False)


def challenge(response) -> str:
    return response.headers.get("WWW-Authenticate", "")


def test_a_valid_token_is_accepted(acme, api, access_token):
    response = api(acme, "GET", URL, access_token(acme, MEMBER))
    assert response.status_code == 200
    assert response.get_json() == {"items": [], "next_cursor": None}
    assert response.headers["Cache-Control"] == "no-store"


@pytest.mark.parametrize(
    "headers",
    [{}, {"Authorization": "Basic dXNlcjpwYXNz"}, {"Authorization": ""}],
    ids=["no header", "basic", "empty"],
)
def test_no_bearer_token_gets_a_bare_challenge(acme, headers):
    response = acme.test_client().get(URL, headers=headers)
    assert response.status_code == 401
    # RFC 6750 §3.1: no error code when the client sent no bearer credentials at all.
    assert challenge(response) == 'Bearer realm="acme"'


def test_a_token_in_the_query_string_is_not_read(acme, access_token):
    response = acme.test_client().get(f"{URL}?access_token={access_token(acme, MEMBER)}")
    assert response.status_code == 401


def test_a_signed_in_browser_session_is_not_a_credential(acme, open_session):
    browser = acme.test_client()
    open_session(acme, browser, sub=MEMBER.sub, orgs=MEMBER.orgs)
    assert browser.get(URL).status_code == 401


def other_key(kid: str = "provider-key-1") -> RSAKey:
    return RSAKey.generate_key(2048, parameters={"kid": kid, "alg": "RS256"})


INVALID = {
    "expired": lambda build, app, key: build(app, MEMBER, exp=int(time.time()) - 31),
    "issued in the future": lambda build, app, key: build(app, MEMBER, iat=int(time.time()) + 3600),
    "not valid yet (nbf)": lambda build, app, key: build(app, MEMBER, nbf=int(time.time()) + 3600),
    "exp not a number": lambda build, app, key: build(app, MEMBER, exp="tomorrow"),
    "exp out of range": lambda build, app, key: build(app, MEMBER, exp=10**30),
    "missing exp": lambda build, app, key: build(app, MEMBER, drop=("exp",)),
    "missing iat": lambda build, app, key: build(app, MEMBER, drop=("iat",)),
    "missing sub": lambda build, app, key: build(app, MEMBER, drop=("sub",)),
    "missing client_id": lambda build, app, key: build(app, MEMBER, drop=("client_id",)),
    "missing jti": lambda build, app, key: build(app, MEMBER, drop=("jti",)),
    "scope not a string": lambda build, app, key: build(app, MEMBER, scope=["todos:read"]),
    "wrong issuer": lambda build, app, key: build(app, MEMBER, iss="http://evil.example"),
    "for another audience": lambda build, app, key: build(app, MEMBER, aud="http://localhost:5002"),
    "no audience": lambda build, app, key: build(app, MEMBER, drop=("aud",)),
    "signed by another key with our kid": lambda build, app, key: build(app, MEMBER, key=other_key()),
    "alg none": lambda build, app, key: resigned(build(app, MEMBER), {"alg": "none", "typ": "at+jwt"}, None),
    "HS256 keyed with the provider's public key": lambda build, app, key: resigned(
        build(app, MEMBER), {"alg": "HS256", "typ": "at+jwt", "kid": "provider-key-1"}, public_pem(key)
    ),
    "typ JWT (an ID token)": lambda build, app, key: build(app, MEMBER, header={"typ": "JWT"}),
    "typ logout+jwt": lambda build, app, key: build(app, MEMBER, header={"typ": "logout+jwt"}),
    "no typ": lambda build, app, key: jwt.encode({"alg": "RS256", "kid": key.kid}, claims_of(build(app, MEMBER)), key),
    "garbage": lambda build, app, key: "abc.def.ghi",
    "not a JWT": lambda build, app, key: "opaque-token",
    "oversized": lambda build, app, key: "a" * 9000,
}


@pytest.mark.parametrize("case", INVALID)
def test_invalid_tokens_get_401_invalid_token(acme, api, access_token, provider_key, case):
    response = api(acme, "GET", URL, INVALID[case](access_token, acme, provider_key))
    assert response.status_code == 401
    assert challenge(response).startswith('Bearer realm="acme", error="invalid_token", error_description="')
    assert response.get_json()["error"] == "invalid_token"


def test_application_at_jwt_is_an_access_token_type_too(acme, api, access_token):
    token = access_token(acme, MEMBER, header={"typ": "application/at+jwt"})
    assert api(acme, "GET", URL, token).status_code == 200


def test_a_token_for_acme_is_refused_by_globex(acme, globex, api, access_token):
    token = access_token(acme, MEMBER)
    assert api(acme, "GET", URL, token).status_code == 200
    response = api(globex, "GET", URL, token)
    assert response.status_code == 401
    assert 'error="invalid_token"' in challenge(response) and "audience" in challenge(response)


def test_a_token_for_several_audiences_including_this_tenant_is_accepted(acme, api, access_token):
    assert (
        api(
            acme, "GET", URL, access_token(acme, MEMBER, aud=["http://localhost:5002", acme.config["TENANT"].audience])
        ).status_code
        == 200
    )


@pytest.fixture
def jwks_fetches(acme, monkeypatch, provider_key):
    """Record forced JWKS fetches; the 'provider' then serves `served` (a list of keys)."""
    fetches = []
    served = [provider_key]

    def fetch(force=False):
        if force:
            fetches.append(time.monotonic())
            with acme.app_context():
                provider().server_metadata["jwks"] = KeySet(list(served)).as_dict(private=False)
        return provider().server_metadata["jwks"]

    with acme.app_context():
        monkeypatch.setattr(provider(), "fetch_jwk_set", fetch)
    return fetches, served


def test_an_unknown_key_refetches_the_jwks_once_then_refuses(acme, api, access_token, jwks_fetches):
    fetches, _ = jwks_fetches
    token = access_token(acme, MEMBER, key=other_key("unknown-kid"))
    for _ in range(3):
        response = api(acme, "GET", URL, token)
        assert response.status_code == 401 and 'error="invalid_token"' in challenge(response)
    # One refetch, not one per request: made-up key ids cannot make us hammer the provider.
    assert len(fetches) == 1


def test_a_rotated_key_is_picked_up_by_the_refetch(acme, api, access_token, jwks_fetches):
    fetches, served = jwks_fetches
    new_key = other_key("provider-key-2")
    served.append(new_key)
    assert api(acme, "GET", URL, access_token(acme, MEMBER, key=new_key)).status_code == 200
    assert len(fetches) == 1


def test_a_token_verified_before_is_still_refused_once_expired(acme, api, access_token):
    """Its signature is remembered, not its acceptance: every claim is checked on every call."""
    token = access_token(acme, MEMBER, exp=int(time.time()) + 60)
    assert api(acme, "GET", URL, token).status_code == 200
    with time_machine.travel(time.time() + 120, tick=False):
        response = api(acme, "GET", URL, token)
    assert response.status_code == 401 and 'error="invalid_token"' in challenge(response)


def test_a_token_missing_a_required_claim_is_refused_every_time(acme, api, access_token):
    token = access_token(acme, MEMBER, drop=("client_id",))
    for _ in range(2):
        response = api(acme, "GET", URL, token)
        assert response.status_code == 401 and 'error="invalid_token"' in challenge(response)


def test_the_same_token_grants_the_same_orgs_and_scopes_each_call(acme, api, access_token):
    token = access_token(acme, MEMBER, scope="todos:read")
    for _ in range(2):
        assert api(acme, "GET", URL, token).status_code == 200
        assert api(acme, "GET", "/api/v1/orgs", token).get_json()["items"][0]["id"]
        assert api(acme, "POST", URL, token, json={"title": "no write scope"}).status_code == 403


def test_a_changed_signature_is_verified_again(acme, api, access_token):
    token = access_token(acme, MEMBER)
    assert api(acme, "GET", URL, token).status_code == 200
    head, body, signature = token.split(".")
    forged = f"{head}.{body}.{signature[:-4]}{'AAAA' if signature[-4:] != 'AAAA' else 'BBBB'}"
    assert api(acme, "GET", URL, forged).status_code == 401


def test_a_new_jwks_forgets_the_signatures_verified_under_the_old_one(acme, api, access_token, jwks_fetches):
    """A key the provider withdrew stops working as soon as the refetched JWKS lacks it."""
    _, served = jwks_fetches
    old_key, new_key = other_key("provider-key-old"), other_key("provider-key-2")
    served[:] = [old_key]
    with acme.app_context():
        provider().server_metadata["jwks"] = KeySet([old_key]).as_dict(private=False)
    token = access_token(acme, MEMBER, key=old_key)
    assert api(acme, "GET", URL, token).status_code == 200
    served[:] = [new_key]  # rotated: the next unknown kid makes the tenant refetch
    assert api(acme, "GET", URL, access_token(acme, MEMBER, key=new_key)).status_code == 200
    assert api(acme, "GET", URL, token).status_code == 401


def test_an_unreachable_provider_is_503_not_500(acme, api, access_token, monkeypatch):
    token = access_token(acme, MEMBER)
    with acme.app_context():
        provider().server_metadata.clear()

        def down(*args, **kwargs):
            raise requests.ConnectionError("provider down")

        monkeypatch.setattr(provider(), "load_server_metadata", down)
    response = api(acme, "GET", URL, token)
    assert response.status_code == 503
    assert response.get_json()["error"] == "temporarily_unavailable"


@pytest.mark.parametrize(
    ("scope", "method", "needed"),
    [
        ("todos:read", "POST", "todos:write"),
        ("todos:write", "GET", "todos:read"),
        ("openid profile", "GET", "todos:read"),
        ("", "DELETE", "todos:write"),
    ],
)
def test_a_missing_scope_is_403_insufficient_scope(acme, api, access_token, scope, method, needed):
    path = URL if method in {"GET", "POST"} else f"{URL}/{'a' * 22}"
    response = api(acme, method, path, access_token(acme, MEMBER, scope=scope), json={"title": "x"})
    assert response.status_code == 403
    assert 'error="insufficient_scope"' in challenge(response) and f'scope="{needed}"' in challenge(response)
    assert response.get_json()["error"] == "insufficient_scope"


@pytest.mark.parametrize("header", ["Bearer", "Bearer ", "Bearer a b", "Bearer <script>", "bearer\tx"])
def test_a_malformed_bearer_header_is_invalid_token(acme, header):
    response = acme.test_client().get(URL, headers={"Authorization": header})
    assert response.status_code == 401
    assert 'error="invalid_token"' in challenge(response)


def test_the_scheme_name_is_case_insensitive(acme, api, access_token):
    token = access_token(acme, MEMBER)
    response = acme.test_client().get(URL, headers={"Authorization": f"bEaReR {token}"})
    assert response.status_code == 200


def test_orgs_come_only_from_the_claim_the_tenant_trusts(acme, api, access_token):
    acme.config["TENANT"] = replace(acme.config["TENANT"], orgs_claim=None)
    token = access_token(acme, MEMBER)

    assert api(acme, "GET", URL, token).status_code == 404, "the orgs claim is not trusted here"
    orgs = api(acme, "GET", "/api/v1/orgs", token).get_json()
    assert [org["personal"] for org in orgs["items"]] == [True]


def test_a_token_from_another_issuer_is_refused(acme, api, access_token):
    response = api(acme, "GET", URL, access_token(acme, MEMBER, iss="https://id.other.example"))
    assert response.status_code == 401 and "another issuer" in challenge(response)
