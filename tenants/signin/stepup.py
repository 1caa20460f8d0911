"""Step-up (SPEC §2.2): a page that changes something sensitive needs a second factor used recently.

The rule reads only the validated ID-token claims of the local session: `acr` (the class we asked
for), `amr` (RFC 8176: how the user authenticated) and `auth_time` (when). Nothing in a request, a
callback URL or a form can satisfy it; a step-up sign-in whose ID token falls short changes nothing.
"""

from collections.abc import Mapping

# The provider's acr for "a second factor was used" (its discovery lists it in acr_values_supported).
MFA_ACR = "http://schemas.openid.net/pape/policies/2007/06/multi-factor"
# SPEC §2.2: "a second factor used within the last 10 minutes".
STEP_UP_MAX_AGE = 600
# Longest max_age a step-up request may carry (from the page's decorator, via the query string).
MAX_AGE_LIMIT = 24 * 3600
# Clocks of provider and tenant may differ a little; an auth_time further in the future is nonsense.
CLOCK_SKEW = 60


def second_factor_in(amr: object) -> bool:
    """True if RFC 8176 amr names a second factor: a one-time code, a key unlocked by the user (a passkey), or mfa.

    "mfa" (RFC 8176 §2, multiple factors) is what the provider sends for an upstream sign-in it trusts as MFA.
    """
    if not isinstance(amr, list):
        return False
    return "otp" in amr or "mfa" in amr or (("hwk" in amr or "swk" in amr) and "user" in amr)


def second_factor_fresh(claims: Mapping, *, now: int, max_age: int) -> bool:
    """True if the claims show a second factor (acr and amr agree) given at most max_age seconds ago."""
    amr, auth_time = claims.get("amr"), claims.get("auth_time")
    # OIDC Core §3.1.3.7 (11): check the acr we asked for; amr says a second factor really was given.
    if claims.get("acr") != MFA_ACR or not second_factor_in(amr):
        return False
    if isinstance(auth_time, bool) or not isinstance(auth_time, int | float):
        return False
    # OIDC Core §3.1.3.7 (13): with max_age, the client checks auth_time itself.
    return now - max_age <= auth_time <= now + CLOCK_SKEW


def step_up_max_age(raw: object) -> int:
    """The max_age of a step-up request: a whole number of seconds up to a day, else the SPEC's 10 minutes."""
    if isinstance(raw, str) and len(raw) <= 6 and raw.isascii() and raw.isdigit() and int(raw) <= MAX_AGE_LIMIT:
        return int(raw)
    return STEP_UP_MAX_AGE
