"""How strongly the user authenticated, in the words of ID tokens: `amr` (RFC 8176) and `acr` (OIDC Core §2).

One acr value is defined and advertised in discovery: MFA_ACR, "a second factor was used". It is the
value of the OpenID PAPE multi-factor policy, which other providers (Auth0, for one) use for step-up
too, so a tenant written against them asks for it unchanged. A request's acr_values is voluntary
(OIDC Core §3.1.2.1): a user without a second factor still gets an ID token, just without `acr`,
and the client decides (our tenants explain how to switch 2FA on).
"""

MFA_ACR = "http://schemas.openid.net/pape/policies/2007/06/multi-factor"
ACR_VALUES_SUPPORTED = [MFA_ACR]
# RFC 8176 §2: "otp" is a one-time password, which both TOTP and backup codes are.
SECOND_FACTOR_METHODS = frozenset({"otp"})
# RFC 8176 §2: a key held in hardware ("hwk") or software ("swk", a synced passkey); with "user" (the
# authenticator verified the user: PIN or biometrics) it is two factors at once (NIST SP 800-63B §5.1.9).
KEY_METHODS = frozenset({"hwk", "swk"})
# RFC 8176 has no value for an emailed link; "email" (as Okta and Ping use it) is one factor, never "otp" (two).
MAGIC_LINK_METHOD = "email"
# RFC 8176 has no value for federation: "fed" records a sign-in at an upstream provider (one factor).
FEDERATED_METHOD = "fed"
# RFC 8176 §2 "mfa": added to "fed" only when the provider's file trusts its acr/amr and it reported MFA.
UPSTREAM_MFA_METHOD = "mfa"


def used_second_factor(amr: list[str]) -> bool:
    """True if the authentication included a second factor (a code, or a user-verified passkey)."""
    methods = set(amr)
    if SECOND_FACTOR_METHODS & methods or UPSTREAM_MFA_METHOD in methods:
        return True
    return bool(KEY_METHODS & methods) and "user" in methods


def acr_for(amr: list[str]) -> str | None:
    """The acr an authentication with these methods satisfies, or None (no acr claim)."""
    return MFA_ACR if used_second_factor(amr) else None


def wants_second_factor(acr_values: str | None) -> bool:
    """True if the client's acr_values ask for the second-factor acr."""
    return MFA_ACR in (acr_values or "").split()


def second_factor_missing(*, wanted: bool, amr: list[str], enrolled: bool) -> bool:
    """True if the user must give their second factor before a code is issued.

    Only users who have one can be asked; for the others the request cannot be satisfied and the
    token goes without acr.
    """
    return wanted and enrolled and not used_second_factor(amr)
