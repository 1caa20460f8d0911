"""`flask --app app mfa code EMAIL`: the current TOTP code of a user (development only)."""

import click
from flask import Blueprint, current_app

from common.clock import utcnow
from common.settings import PRODUCTION

from ..identity.services import find_user
from . import totp
from .settings import mfa_settings

cli = Blueprint("mfa_cli", __name__, cli_group="mfa")


@cli.cli.command("code")
@click.argument("email")
def current_code(email: str) -> None:
    """Print the code EMAIL's authenticator app shows now (for demo users; refused in production)."""
    # Anyone who can run this holds the encryption key and could impersonate any 2FA user.
    if current_app.config["GATEHOUSE_ENV"] == PRODUCTION:
        raise click.ClickException("This command is for development only and refuses to run in production.")
    user = find_user(email)
    credential = totp.find_credential(user.id) if user else None
    if credential is None or credential.enabled_at is None:
        raise click.ClickException(f"{email} does not have two-factor authentication on.")
    secret = totp.read_secret(credential, mfa_settings(current_app.config).keys.secrets)
    click.echo(totp.code_at(secret, utcnow()))
