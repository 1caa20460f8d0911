"""Provider settings: defaults (overridable in app.config) and values derived from them."""

from datetime import timedelta

from flask import Flask, current_app

# Scopes this provider knows; a client is registered with a subset of them.
SCOPES_SUPPORTED = ["openid", "profile", "email", "offline_access", "todos:read", "todos:write", "orgs"]

DEFAULTS = {
    # RFC 9700 §4.5 and this project's rule: codes live at most 60 s.
    "OIDC_CODE_LIFETIME": 60,
    # SPEC §2.4: short-lived JWT access tokens; a revoked grant dies with its last access token.
    "OIDC_ACCESS_TOKEN_LIFETIME": 300,
    "OIDC_ID_TOKEN_LIFETIME": 300,
    "OIDC_REFRESH_TOKEN_LIFETIME": 14 * 24 * 3600,
    "OIDC_LOGOUT_TOKEN_LIFETIME": 120,
    # Back-Channel Logout: one client may take this long to answer; all of them together at most the deadline.
    "OIDC_BACKCHANNEL_TIMEOUT": 1.5,
    "OIDC_BACKCHANNEL_DEADLINE": 2.0,
}

# Clock skew a verifier may allow past exp: a retired key stays published that much longer.
CLOCK_LEEWAY = timedelta(seconds=60)

# Workers re-read the signing key this often, so a rotation by another process (the CLI) reaches
# them within this long; a retired key stays published this much longer (key_retention).
KEY_CHECK_INTERVAL = timedelta(seconds=30)


def init_config(app: Flask) -> None:
    """Fill in every OIDC setting the app was not given."""
    for name, value in DEFAULTS.items():
        app.config.setdefault(name, value)
    if app.config["OIDC_CODE_LIFETIME"] > 60:
        raise ValueError("OIDC_CODE_LIFETIME must be at most 60 seconds")


def issuer() -> str:
    """The issuer identifier: the public base URL of Accounts."""
    return current_app.config["SITE_URL"]


def seconds(name: str) -> int:
    """A lifetime setting, e.g. seconds("ACCESS_TOKEN") for OIDC_ACCESS_TOKEN_LIFETIME."""
    return int(current_app.config[f"OIDC_{name}_LIFETIME"])


def key_retention() -> timedelta:
    """How long a retired key stays published: until every JWT it signed has expired.

    A worker may go on signing with it for up to KEY_CHECK_INTERVAL after the rotation.
    """
    longest = max(seconds("ACCESS_TOKEN"), seconds("ID_TOKEN"), seconds("LOGOUT_TOKEN"))
    return timedelta(seconds=longest) + CLOCK_LEEWAY + KEY_CHECK_INTERVAL


def url(path: str) -> str:
    """An absolute URL at the issuer (discovery and tokens never depend on the request's Host header)."""
    return issuer() + path
