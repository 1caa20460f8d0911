"""What a browser does, shared by Locust's simulated users and the fault drills' probe: forms with their CSRF
token and a Referer (checked over HTTPS), and the sign-in at a tenant through Accounts."""

import re
import time
from collections.abc import Callable
from urllib.parse import parse_qs, urlsplit

import pyotp

_CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')

# request(method, url, name, **requests_kwargs) -> response; `name` groups Locust's statistics.
Request = Callable[..., object]


def csrf_of(html: str) -> str:
    match = _CSRF.search(html)
    if not match:
        raise AssertionError("no CSRF token on the page")
    return match.group(1)


def submit(request: Request, page, action: str, fields: dict, name: str):
    """POST a form of page as a browser does."""
    data = {"csrf_token": csrf_of(page.text), **fields}
    return request("POST", action, name, data=data, headers={"Referer": page.url})


def sign_in_at(request: Request, tenant: str, email: str, password: str, totp_secret: str | None, wait) -> object:
    """Tenant → Accounts sign-in (password, then TOTP where enrolled) → back at the tenant; the final page."""
    page = request("GET", f"{tenant}/auth/sign-in", f"{urlsplit(tenant).port}: sign-in (→ accounts)")
    if page.url.startswith(tenant):
        return _arrived(page, tenant)  # the Accounts session was still live: single sign-on
    fields = {"email": email, "password": password, "next": parse_qs(urlsplit(page.url).query).get("next", [""])[0]}
    landed = submit(request, page, page.url.split("?")[0], fields, name="accounts: sign-in")
    if "/sign-in/two-factor" in landed.url and totp_secret:
        landed = _second_factor(request, landed, totp_secret, wait)
    return _arrived(landed, tenant)


def _arrived(page, tenant: str):
    """The sign-in's last page must be the tenant's own, not an error or one of its /auth/ steps."""
    path = urlsplit(page.url).path
    if not page.url.startswith(tenant) or page.status_code != 200 or path.startswith("/auth/"):
        raise AssertionError(f"sign-in ended at {path} with {page.status_code}")
    return page


def _second_factor(request: Request, page, secret: str, wait):
    totp = pyotp.TOTP(secret)
    answer = page
    for _ in range(3):
        answer = submit(request, page, page.url, {"code": totp.now()}, name="accounts: two-factor")
        if "/sign-in/two-factor" not in answer.url:
            return answer
        # A code works once (replay guard): another sign-in of this account used it; wait for the next step.
        wait(30 - time.time() % 30 + 0.5)
        page = answer
    return answer
