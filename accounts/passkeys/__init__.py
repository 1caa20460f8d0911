"""Passkeys (WebAuthn): register them on the security page, sign in with one, or give one as the second step."""

from flask import Flask

from . import models  # noqa: F401  (the tables, for migrations and create_all)


def init_app(app: Flask) -> None:
    """Wire passkeys into Accounts."""
