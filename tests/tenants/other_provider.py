"""A stand-in for an OpenID provider that is not Gatehouse, answering the tenant's HTTP calls.

It is shaped like the big hosted providers, not like Accounts: discovery lists only `openid profile
email`, the ID token carries no profile claims (they are at userinfo) and no `orgs` claim, no `iss`
on the authorization response, and a refresh token only when asked to issue one.
"""

import json
import secrets
import time
from dataclasses import dataclass
from urllib.parse import parse_qs, parse_qsl, urlsplit

import requests
from joserfc import jwt
from joserfc.jwk import KeySet

OTHER_ISSUER = "https://id.other.example"
SUB = "248289761001"


class OtherProvider:
    """Discovery, JWKS, token and userinfo endpoints of OTHER_ISSUER, with every call recorded."""

    def __init__(self, key, client_id: str):
        self.key = key
        self.client_id = client_id
        self.scopes_supported = ["openid", "profile", "email"]
        self.issue_refresh_tokens = False
        self.expires_in = 3600
        self.id_token_claims: dict = {}  # added to every ID token (an orgs claim, a name …)
        self.userinfo = {"sub": SUB, "name": "Robin Other", "email": "robin@other.example"}
        self.refresh_answer: dict | None = None  # an error body for refresh requests, e.g. invalid_grant
        self.nonce: str | None = None
        self.calls: list[tuple[str, str, dict]] = []

    def discovery(self) -> dict:
        iss = OTHER_ISSUER
        return {
            "issuer": iss,
            "authorization_endpoint": f"{iss}/o/authorize",
            "token_endpoint": f"{iss}/o/token",
            "userinfo_endpoint": f"{iss}/o/userinfo",
            "jwks_uri": f"{iss}/o/certs",
            "end_session_endpoint": f"{iss}/o/logout",
            "scopes_supported": self.scopes_supported,
            "response_types_supported": ["code"],
            "subject_types_supported": ["public"],
            "id_token_signing_alg_values_supported": ["RS256"],
            "code_challenge_methods_supported": ["S256"],
            "claims_supported": ["sub", "iss", "aud", "exp", "iat", "name", "email"],
        }

    def id_token(self) -> str:
        now = int(time.time())
        claims = {"iss": OTHER_ISSUER, "aud": self.client_id, "sub": SUB, "iat": now, "exp": now + 3600}
        if self.nonce:
            claims["nonce"] = self.nonce
        return jwt.encode({"alg": "RS256", "kid": self.key.kid}, claims | self.id_token_claims, self.key)

    def token(self, form: dict) -> tuple[int, dict]:
        if form.get("grant_type") == "refresh_token" and self.refresh_answer is not None:
            return 400, self.refresh_answer
        answer = {"access_token": "other-at-" + secrets.token_hex(8), "token_type": "Bearer"}
        answer["expires_in"] = self.expires_in
        if form.get("grant_type") == "authorization_code":
            answer["id_token"] = self.id_token()
        if self.issue_refresh_tokens:
            answer["refresh_token"] = "other-rt-" + secrets.token_hex(8)
        return 200, answer

    def answer(self, method: str, url: str, form: dict) -> tuple[int, dict]:
        path = url.removeprefix(OTHER_ISSUER)
        if path == "/.well-known/openid-configuration":
            return 200, self.discovery()
        if path == "/o/certs":
            return 200, KeySet([self.key]).as_dict(private=False)
        if path == "/o/token" and method == "POST":
            return self.token(form)
        if path == "/o/userinfo":
            return 200, self.userinfo
        return 404, {"error": "not_found"}

    def __call__(self, method, url, data=None, **kwargs):
        """requests.Session.request for OTHER_ISSUER's URLs; anything else is a test bug."""
        assert url.startswith(OTHER_ISSUER), f"the tenant called {url}"
        form = dict(parse_qsl(data)) if isinstance(data, str | bytes) else dict(data or {})
        self.calls.append((method.upper(), url.split("?")[0], form))
        status, body = self.answer(method.upper(), url.split("?")[0], form)
        response = requests.Response()
        response.status_code = status
        response._content = json.dumps(body).encode()
        response.headers["Content-Type"] = "application/json"
        response.url = url
        return response

    def token_requests(self, grant_type: str) -> list[dict]:
        """The form bodies the tenant sent to the token endpoint with that grant type."""
        return [f for m, u, f in self.calls if u.endswith("/o/token") and f.get("grant_type") == grant_type]


@dataclass
class OtherSite:
    """A tenant app pointed at OTHER_ISSUER, and the stand-in provider answering it."""

    app: object
    provider: OtherProvider


def authorization_request(location: str) -> dict:
    """The query of an authorization request the tenant redirected to, one value per parameter."""
    return {k: v[0] for k, v in parse_qs(urlsplit(location).query).items()}
