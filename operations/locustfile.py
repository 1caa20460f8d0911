"""The load test's simulated users (Locust). Each signs in at Acme through Accounts (some with TOTP), hops to
Globex by single sign-on, writes todos on the pages and through the API, refreshes API tokens, signs out;
some sign up and verify first. Every acknowledged write is appended to the ledger, which the run checks
against the database afterwards. Started by operations/load.py, which sets the environment read here."""

import base64
import hashlib
import itertools
import json
import os
import re
import secrets
from pathlib import Path
from urllib.parse import parse_qs, urlencode, urlsplit

import gevent
from locust import HttpUser, between, events, task

from operations.browsing import sign_in_at, submit

STACK = json.loads(os.environ["LOAD_STACK"])
LEDGER = os.environ["LOAD_LEDGER"]
ACCOUNTS = STACK["accounts"]  # the two Accounts app servers, used in turn
LOGOUT_POLLS, LOGOUT_POLL_SECONDS = 25, 0.2  # back-channel logout is asynchronous: up to 5 s

ACME, GLOBEX = STACK["acme"], STACK["globex"]
SCOPE = "openid profile email offline_access orgs todos:read todos:write"
_accounts = itertools.count()
_users = itertools.count()


def ledger(kind: str, **fields) -> None:
    """Record an acknowledged change: one line, appended in a single write."""
    line = json.dumps({"kind": kind, **fields}) + "\n"
    fd = os.open(LEDGER, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
    try:
        os.write(fd, line.encode())
    finally:
        os.close(fd)


def acknowledged(answer, flash: str) -> bool:
    """A page write counts only when the list says so: a POST that met a re-authentication on the way
    also ends on a 200 page without having happened."""
    return answer.ok and urlsplit(answer.url).path == "/todos/" and f"{flash} “" in answer.text


def ledger_write(kind: str, done: bool, answer, **fields) -> None:
    """An acknowledged write as `kind`; one whose answer was lost (no status or ≥ 500: a worker killed after
    its commit, a lost redirect) as `<kind>_unanswered`, since it may or may not have happened."""
    if done:
        ledger(kind, **fields)
    elif answer.status_code == 0 or answer.status_code >= 500:
        ledger(f"{kind}_unanswered", **fields)


class Visitor(HttpUser):
    """One person with one browser: their own cookie jar and their own client IP (as a proxy would send it)."""

    wait_time = between(0.2, 1.0)
    host = ACME

    def on_start(self) -> None:
        self.client.verify = STACK["cert"]
        n = next(_users)
        self.client.headers["X-Forwarded-For"] = f"10.{n // 250}.{n % 250}.{1 + n % 200}"
        self.account = STACK["users"][n % len(STACK["users"])]
        self.password = STACK["password"]
        self.tokens: dict | None = None
        self.in_loadco = False
        self.org_id: str | None = None
        if n % 10 == 2:  # one in ten is new: sign-up, the mailed link, then sign-in
            self.sign_up()
        self.sign_in_at_acme()

    def request(self, method: str, url: str, name: str, **kwargs):
        return self.client.request(method, url, name=name, **kwargs)

    def submit(self, page, action: str, fields: dict, name: str):
        return submit(self.request, page, action, fields, name)

    # --- sign-up, sign-in, sign-out -------------------------------------------------------------------

    def accounts_base(self) -> str:
        return ACCOUNTS[next(_accounts) % len(ACCOUNTS)]

    def sign_up(self) -> None:
        email = f"new-{secrets.token_hex(6)}@gatehouse.test"
        base = self.accounts_base()
        page = self.client.get(f"{base}/sign-up", name="accounts: sign-up form")
        fields = {"name": "New Load User", "email": email, "password": self.password}
        self.submit(page, f"{base}/sign-up", fields, name="accounts: sign-up")
        link = self.wait_for_link(email, "/verify/")
        confirm = self.client.get(link, name="accounts: verify form")
        self.submit(confirm, link, {}, name="accounts: verify")
        self.account = {"email": email, "totp_secret": None}
        ledger("signed_up", email=email)

    def wait_for_link(self, email: str, prefix: str) -> str:
        folder = STACK["mail"]
        for _ in range(100):
            for path in sorted(Path(folder).glob(f"{email.lower()}.*")):
                # Undo quoted-printable soft line breaks before looking for the link.
                text = path.read_text(errors="replace").replace("=\n", "")
                match = re.search(r"https://[^\s\"<>]+" + re.escape(prefix) + r"[^\s\"<>]+", text)
                if match:
                    return match.group(0).replace("=3D", "=")
            gevent.sleep(0.1)
        raise AssertionError(f"no {prefix} mail for {email}")

    def sign_in_at_acme(self) -> None:
        account = self.account
        sign_in_at(self.request, ACME, account["email"], self.password, account.get("totp_secret"), gevent.sleep)

    @task(1)
    def sign_out_and_back_in(self) -> None:
        page = self.client.get(f"{ACME}/", name="acme: home")
        signed_out = self.submit(page, f"{ACME}/auth/sign-out", {}, name="acme: sign-out")
        self.tokens, self.in_loadco = None, False  # the session's tokens are revoked with it, whatever follows
        try:
            # Global logout: Globex must lose the session through the back-channel, which the events worker
            # delivers from the outbox after the sign-out's commit, so allow it a few seconds.
            for _ in range(LOGOUT_POLLS):
                globex = self.client.get(f"{GLOBEX}/todos/", name="globex: todos after sign-out", allow_redirects=False)
                if globex.status_code != 200:
                    break
                gevent.sleep(LOGOUT_POLL_SECONDS)
            else:
                ended = urlsplit(signed_out.url)
                raise AssertionError(
                    f"still signed in at Globex {LOGOUT_POLLS * LOGOUT_POLL_SECONDS:.0f} s after signing out at Acme "
                    f"(ended at {ended.netloc}{ended.path})"
                )
        finally:
            self.sign_in_at_acme()

    # --- single sign-on and todos on the pages -------------------------------------------------------

    @task(2)
    def hop_to_globex(self) -> None:
        landed = self.client.get(f"{GLOBEX}/auth/sign-in", name="globex: sign-in (SSO hop)")
        if not landed.url.startswith(GLOBEX) or "/sign-in" in urlsplit(landed.url).path:
            raise AssertionError("single sign-on to Globex did not sign in")

    @task(4)
    def todo_page_write(self) -> None:
        form_page = self.client.get(f"{ACME}/todos/new", name="acme: new todo form")
        title = f"page {secrets.token_hex(8)}"
        fields = {"title": title, "notes": "", "visibility": "org"}
        answer = self.submit(form_page, f"{ACME}/todos/new", fields, name="acme: create todo (page)")
        if acknowledged(answer, "Added"):
            ledger("created", site="acme", title=title)

    @task(4)
    def todo_list(self) -> None:
        self.client.get(f"{ACME}/todos/", name="acme: todo list")

    # --- the API, with tokens of the public API client ------------------------------------------------

    def api_tokens(self) -> dict:
        if self.tokens is None:
            verifier = secrets.token_urlsafe(48)
            challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
            client = STACK["api_client"]
            query = urlencode(
                {
                    "response_type": "code",
                    "client_id": client["client_id"],
                    "redirect_uri": client["redirect_uri"],
                    "scope": SCOPE,
                    "state": secrets.token_urlsafe(8),
                    "nonce": secrets.token_urlsafe(8),
                    "code_challenge": challenge,
                    "code_challenge_method": "S256",
                }
            )
            answer = self.client.get(
                f"{ACCOUNTS[0]}/authorize?{query}", name="accounts: authorize (API client)", allow_redirects=False
            )
            code = parse_qs(urlsplit(answer.headers.get("Location", "")).query).get("code", [None])[0]
            if code is None:
                raise AssertionError(f"no code from /authorize ({answer.status_code})")
            token = self.client.post(
                f"{self.accounts_base()}/oauth/token",
                data={
                    "grant_type": "authorization_code",
                    "code": code,
                    "redirect_uri": client["redirect_uri"],
                    "client_id": client["client_id"],
                    "code_verifier": verifier,
                },
                name="accounts: token (code)",
            )
            tokens = token.json()
            orgs = self.client.get(
                f"{ACME}/api/v1/orgs",
                headers={"Authorization": f"Bearer {tokens['access_token']}"},
                name="acme api: orgs",
            ).json()["items"]
            # The seeded users share Loadco; a user who just signed up has only their personal space.
            shared = [o for o in orgs if o["slug"] == "loadco"] or orgs
            self.org_id, self.tokens = shared[0]["id"], tokens
        return self.tokens

    def api(self, method: str, path: str, name: str, **kwargs):
        headers = {"Authorization": f"Bearer {self.api_tokens()['access_token']}"}
        return self.client.request(method, f"{ACME}{path}", headers=headers, name=name, **kwargs)

    def switch_to_loadco(self) -> None:
        """The pages act in the active org: make it the one the API writes to."""
        if not self.in_loadco:
            page = self.client.get(f"{ACME}/todos/", name="acme: todo list")
            switched = self.submit(page, f"{ACME}/active-org", {"org_id": self.org_id}, name="acme: switch org")
            self.in_loadco = switched.ok

    @task(2)
    def refresh_api_token(self) -> None:
        tokens = self.api_tokens()
        client = STACK["api_client"]
        answer = self.client.post(
            f"{self.accounts_base()}/oauth/token",
            data={
                "grant_type": "refresh_token",
                "refresh_token": tokens["refresh_token"],
                "client_id": client["client_id"],
            },
            name="accounts: token (refresh)",
        )
        if answer.ok:
            self.tokens = answer.json()

    @task(4)
    def api_write_edit_delete(self) -> None:
        self.api_tokens()
        base = f"/api/v1/orgs/{self.org_id}/todos"
        title = f"api {secrets.token_hex(8)}"
        created = self.api("post", base, name="acme api: create todo", json={"title": title, "visibility": "org"})
        if created.status_code != 201:
            return
        todo_id = created.json()["id"]
        ledger("created", site="acme", title=title, id=todo_id)
        edited_title = f"{title} edited"
        edited = self.api("patch", f"{base}/{todo_id}", name="acme api: edit todo", json={"title": edited_title})
        ledger_write("edited", edited.status_code == 200, edited, site="acme", id=todo_id, title=edited_title)
        if secrets.randbelow(2):
            deleted = self.api("delete", f"{base}/{todo_id}", name="acme api: delete todo")
            ledger_write("deleted", deleted.status_code == 204, deleted, site="acme", id=todo_id)
        else:
            self.switch_to_loadco()
            confirm = self.client.get(f"{ACME}/todos/{todo_id}/delete", name="acme: delete form")
            if confirm.status_code == 200:
                answer = self.submit(confirm, f"{ACME}/todos/{todo_id}/delete", {}, name="acme: delete todo")
                ledger_write("deleted", acknowledged(answer, "Deleted"), answer, site="acme", id=todo_id)


@events.request.add_listener
def _count_server_errors(response_time, response, exception, **kwargs) -> None:
    """Any answer ≥ 500 is a failure of the run, whatever the task made of it."""
    status = getattr(response, "status_code", 0) or 0
    if status >= 500:
        ledger("server_error", status=status, url=urlsplit(getattr(response, "url", "") or "").path)
