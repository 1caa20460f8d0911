"""What an authorization request needs from the user before a code is issued: sign-in, consent, or nothing.

Plain functions over explicit values (OIDC Core §3.1.2.1 prompt and max_age); the view acts on the answer.
"""

from enum import Enum


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


def login_checks(
    *,
    prompts: set[str],
    max_age: int | None,
    signed_in: bool,
    auth_time: int | None,
    now: int,
    second_factor_missing: bool = False,
    answered: bool = False,
) -> list[str]:
    """The named checks that demand a sign-in, in the order they are tested (empty: no sign-in needed).

    `answered`: a sign-in this very request sent the user to has since happened, so prompt=login and
    max_age are satisfied (their demand is kept server-side, accounts/sessions/demands.py).
    """
    tripped = []
    if not signed_in:
        tripped.append("no_session")
    if "login" in prompts and not answered:
        tripped.append("login_prompt")  # OIDC Core §3.1.2.1: prompt=login
    if max_age is not None and not answered and (auth_time is None or now - auth_time > max_age):
        tripped.append("max_age")  # OIDC Core §3.1.2.1: authentication older than max_age
    if second_factor_missing:
        tripped.append("essential_acr")  # acr_values asked for the second factor the session lacks
    return tripped


def next_step(
    *,
    prompts: set[str],
    max_age: int | None,
    signed_in: bool,
    auth_time: int | None,
    now: int,
    consent_needed: bool,
    second_factor_missing: bool = False,
    answered: bool = False,
) -> Step:
    """Decide between sign-in, consent and issuing the code; prompt=none turns the first two into errors.

    A second factor the client asked for (acr_values) and the session lacks means signing in again,
    with password and code: every re-authentication here is a whole one, so auth_time always says
    when the user last proved both factors (accounts/oidc/assurance.py).
    """
    must_sign_in = bool(
        login_checks(
            prompts=prompts,
            max_age=max_age,
            signed_in=signed_in,
            auth_time=auth_time,
            now=now,
            second_factor_missing=second_factor_missing,
            answered=answered,
        )
    )
    must_consent = "consent" in prompts or consent_needed
    if "none" in prompts:
        # OIDC Core §3.1.2.6: with prompt=none nothing may be shown, so answer the client instead.
        if must_sign_in:
            return Step.LOGIN_REQUIRED
        return Step.CONSENT_REQUIRED if must_consent else Step.ISSUE
    if must_sign_in:
        return Step.SIGN_IN
    return Step.CONSENT if must_consent else Step.ISSUE


def scope_covered(requested: str, granted: str | None) -> bool:
    """True if an earlier consent already covers every requested scope."""
    return granted is not None and set(requested.split()) <= set(granted.split())
