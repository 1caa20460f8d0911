"""What one operation of each scenario is, over real HTTP, and the per-client state it needs."""

import base64
import hashlib
import json
import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from urllib.parse import parse_qs, urlencode, urlsplit

from httpc import Client, csrf_of, expect

SCOPE = "openid profile email offline_access orgs todos:read todos:write"


@dataclass
class Sites:
    """Where the servers listen, and the tenant's client credentials at Accounts."""

    accounts: str
    acme: str
    hello: str
    client_id: str
    client_secret: str

    @property
    def callback(self) -> str:
        return f"{self.acme}/auth/callback"

    def basic_auth(self) -> dict:
        pair = f"{self.client_id}:{self.client_secret}".encode()
        return {"Authorization": "Basic " + base64.b64encode(pair).decode()}


@dataclass
class Seat:
    """One simulated user agent: its sessions at Accounts and Acme and its current tokens."""

    email: str
    password: str
    org_id: str
    accounts_cookies: dict = field(default_factory=dict)
    acme_cookies: dict = field(default_factory=dict)
    access_token: str = ""
    refresh_token: str = ""


@dataclass(frozen=True)
class Scenario:
    name: str
    what: str
    servers: tuple[str, ...]  # whose gunicorn processes count as the app's CPU
    goal: float | None  # ratio to hello; None: judged otherwise (sign-in against the argon2 rate)
    build: Callable[[Sites, Seat], Callable[[], None]]


def sso_hop(sites: Sites, browser: Client, backend: Client) -> dict:
    """authorize on a live Accounts session (302 with a code), then the code exchange with PKCE: the tokens."""
    verifier = secrets.token_urlsafe(48)
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
    query = {
        "response_type": "code",
        "client_id": sites.client_id,
        "redirect_uri": sites.callback,
        "scope": SCOPE,
        "state": secrets.token_urlsafe(16),
        "nonce": secrets.token_urlsafe(16),
        "code_challenge": challenge,
        "code_challenge_method": "S256",
    }
    answer = expect(browser.get("/authorize?" + urlencode(query)), 302, "authorize")
    code = parse_qs(urlsplit(answer.location).query).get("code", [""])[0]
    if not code:
        raise AssertionError(f"authorize gave no code: {answer.location}")
    form = {"grant_type": "authorization_code", "code": code, "redirect_uri": sites.callback, "code_verifier": verifier}
    tokens = expect(backend.post("/oauth/token", form, headers=sites.basic_auth()), 200, "code exchange")
    return json.loads(tokens.body)


def _hello(sites: Sites, seat: Seat):
    client = Client(sites.hello)
    return lambda: expect(client.get("/"), 200, "hello")


def _userinfo(sites: Sites, seat: Seat):
    backend = Client(sites.accounts)
    bearer = {"Authorization": f"Bearer {seat.access_token}"}
    return lambda: expect(backend.get("/oauth/userinfo", headers=bearer), 200, "userinfo")


def _refresh(sites: Sites, seat: Seat):
    backend = Client(sites.accounts)
    chain = {"refresh_token": seat.refresh_token}  # RFC 9700 §4.14: each answer rotates it, this thread keeps its own

    def op():
        form = {"grant_type": "refresh_token", "refresh_token": chain["refresh_token"]}
        answer = expect(backend.post("/oauth/token", form, headers=sites.basic_auth()), 200, "refresh")
        chain["refresh_token"] = json.loads(answer.body)["refresh_token"]

    return op


def _sso_hop(sites: Sites, seat: Seat):
    browser, backend = Client(sites.accounts), Client(sites.accounts)
    browser.cookies = dict(seat.accounts_cookies)
    return lambda: sso_hop(sites, browser, backend)


def _todo_page(sites: Sites, seat: Seat):
    browser = Client(sites.acme)
    browser.cookies = dict(seat.acme_cookies)
    return lambda: expect(browser.get("/todos/"), 200, "todo page")


def _bearer_list(sites: Sites, seat: Seat):
    backend = Client(sites.acme)
    bearer = {"Authorization": f"Bearer {seat.access_token}"}
    path = f"/api/v1/orgs/{seat.org_id}/todos"
    return lambda: expect(backend.get(path, headers=bearer), 200, "bearer list")


def _signin(sites: Sites, seat: Seat):
    browser = Client(sites.accounts)

    def op():
        browser.cookies.clear()  # a new visitor each time: form, then password
        form = expect(browser.get("/sign-in"), 200, "sign-in form")
        data = {"csrf_token": csrf_of(form), "email": seat.email, "password": seat.password, "next": ""}
        expect(browser.post("/sign-in", data), 303, "sign-in")

    return op


ACCOUNTS, ACME = ("accounts",), ("acme", "accounts")
SCENARIOS = {
    s.name: s
    for s in [
        Scenario("hello", "bare Flask GET /", ("hello",), None, _hello),
        Scenario("userinfo", "GET /oauth/userinfo, bearer", ACCOUNTS, 1.0, _userinfo),
        Scenario("bearer_list", "Acme API list, 20 rows, bearer", ACME, 0.5, _bearer_list),
        Scenario("todo_page", "Acme todo page, 20 rows, signed in", ACME, 0.5, _todo_page),
        Scenario("refresh", "refresh_token grant (rotating)", ACCOUNTS, 0.56, _refresh),
        Scenario("sso_hop", "authorize on session + code/PKCE exchange", ACCOUNTS, 0.30, _sso_hop),
        Scenario("signin", "GET form + POST password (argon2id)", ACCOUNTS, None, _signin),
    ]
}
