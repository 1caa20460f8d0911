"""Accounts as an OpenID Connect provider, built from Authlib's server components (SPEC §2.4, §2.5)."""

from flask import Flask

from ..sessions.signals import session_ended
from . import models  # noqa: F401  (registers the tables with the metadata)
from .backchannel import on_session_ended
from .cli import bp as cli_bp
from .config import init_config
from .keys import CurrentSigningKey
from .server import Provider
from .views import bp


def init_oidc(app: Flask) -> None:
    """Configure the provider on an Accounts app: settings, server, pages, CLI, logout on session end."""
    init_config(app)
    app.extensions["gatehouse_signing_key"] = CurrentSigningKey()
    app.extensions["gatehouse_oidc"] = Provider(app)
    app.register_blueprint(bp)
    app.register_blueprint(cli_bp)
    # Back-Channel Logout: every way an Accounts session ends goes through this signal.
    session_ended.connect(on_session_ended)
