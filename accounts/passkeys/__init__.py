"""Passkeys (WebAuthn): register them on the security page, sign in with one, or give one as the second step."""

from flask import Flask

from . import signin_views  # noqa: F401  (adds the sign-in endpoints to bp)
from .views import bp

DEFAULTS = {
    # Each ceremony stores a challenge row: cap how fast one account can make them.
    "RATELIMIT_PASSKEY_REGISTER": "20 per hour",
}


def init_app(app: Flask) -> None:
    """Wire passkeys into Accounts: settings and pages."""
    for key, value in DEFAULTS.items():
        app.config.setdefault(key, value)
    app.register_blueprint(bp)
