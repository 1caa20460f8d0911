"""Second factor: TOTP, backup codes, trusted devices, and the sign-in stage that asks for them."""

from flask import Flask

from ..sessions import signin_flow
from . import passkey_views  # noqa: F401  (adds the passkey second step to bp)
from .cli import cli
from .receivers import connect_receivers
from .settings import init_settings
from .stage import SecondFactorStage
from .views import bp


def init_app(app: Flask) -> None:
    """Wire the second factor into Accounts: settings, pages, the stage guard, CLI, signal hooks."""
    init_settings(app)
    signin_flow.register_stage(app, SecondFactorStage())
    app.register_blueprint(bp)
    app.register_blueprint(cli)
    connect_receivers()
