"""What an authorization request needs from the user before a code is issued: sign-in, consent, or nothing.

Plain functions over explicit values (OIDC Core §3.1.2.1 prompt and max_age); the view acts on the answer.
"""

from enum import Enum
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit


class Step(Enum):
    """The next thing the authorization endpoint does."""

    SIGN_IN = "sign-in"
    CONSENT = "consent"
    ISSUE = "issue"
    LOGIN_REQUIRED = "login_required"
    CONSENT_REQUIRED = "consent_required"


class BadMaxAge(ValueError):
    """max_age is not a non-negative integer."""


def parse_max_age(value: str | None) -> int | None:
    """The max_age parameter in seconds, or None when absent."""
    if value is None or value == "":
        return None
    if not value.isdigit() or len(value) > 10:
        raise BadMaxAge(value)
    return int(value)


def next_step(
    *,
    prompts: set[str],
    max_age: int | None,
    signed_in: bool,
    auth_time: int | None,
    now: int,
    consent_needed: bool,
    second_factor_missing: bool = False,
) -> Step:
    """Decide between sign-in, consent and issuing the code; prompt=none turns the first two into errors.

    A second factor the client asked for (acr_values) and the session lacks means signing in again,
    with password and code: every re-authentication here is a whole one, so auth_time always says
    when the user last proved both factors (accounts/oidc/assurance.py).
    """
    too_old = max_age is not None and (auth_time is None or now - auth_time > max_age)
    must_sign_in = not signed_in or "login" in prompts or too_old or second_factor_missing
    must_consent = "consent" in prompts or consent_needed
    if "none" in prompts:
        # OIDC Core §3.1.2.6: with prompt=none nothing may be shown, so answer the client instead.
        if must_sign_in:
            return Step.LOGIN_REQUIRED
        return Step.CONSENT_REQUIRED if must_consent else Step.ISSUE
    if must_sign_in:
        return Step.SIGN_IN
    return Step.CONSENT if must_consent else Step.ISSUE


def return_after_sign_in(full_path: str) -> str:
    """The authorization URL to come back to after signing in, without the demand for a fresh sign-in.

    The sign-in that prompt=login or max_age asked for has then just happened; keeping them would
    send the user round in circles.
    """
    parts = urlsplit(full_path)
    query = []
    for name, value in parse_qsl(parts.query, keep_blank_values=True):
        if name == "max_age":
            continue
        if name == "prompt":
            value = " ".join(p for p in value.split() if p != "login")
            if not value:
                continue
        query.append((name, value))
    return urlunsplit(("", "", parts.path, urlencode(query), ""))


def scope_covered(requested: str, granted: str | None) -> bool:
    """True if an earlier consent already covers every requested scope."""
    return granted is not None and set(requested.split()) <= set(granted.split())
