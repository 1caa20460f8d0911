"""Command-line tools: `flask --app app users create`, `flask --app app seed-demo`."""

import click
from flask import Blueprint, current_app
from flask.cli import AppGroup

from common.server_session import utcnow

from .extensions import db
from .identity.models import User
from .identity.passwords import hash_password, password_problems
from .identity.services import find_user, is_valid_email, normalise_email

cli = Blueprint("cli", __name__, cli_group=None)
users = AppGroup("users", help="Manage Accounts users.")
cli.cli.add_command(users)

DEMO_USERS = [
    ("admin@gatehouse.test", "Ada Admin", "ada-demo-password", True),
    ("alice@gatehouse.test", "Alice Example", "alice-demo-password", False),
    ("bob@gatehouse.test", "Bob Example", "bob-demo-password", False),
]


def create_user(email: str, password: str, name: str, admin: bool = False) -> User:
    """Create a verified user (for operators and demo data; no email round trip)."""
    if not is_valid_email(email):
        raise click.ClickException(f"{email!r} is not a valid email address.")
    if not name.strip() or len(name) > 100 or not name.isprintable():
        raise click.ClickException("The name must be 1 to 100 printable characters.")
    problems = password_problems(password, email=email, name=name)
    if problems:
        raise click.ClickException(problems[0])
    if find_user(email) is not None:
        raise click.ClickException(f"A user with email {email} already exists.")
    now = utcnow()
    user = User(
        email=normalise_email(email),
        name=name,
        password_hash=hash_password(password, current_app.config["ARGON2_PARAMETERS"]),
        email_verified_at=now,
        site_role="admin" if admin else "user",
    )
    db.session.add(user)
    db.session.commit()
    return user


@users.command("create")
@click.option("--email", required=True)
@click.option("--password", required=True)
@click.option("--name", required=True)
@click.option("--admin", is_flag=True, help="Give the user the site role admin.")
def users_create(email: str, password: str, name: str, admin: bool) -> None:
    """Create a verified user."""
    user = create_user(email, password, name, admin)
    click.echo(f"Created user {user.id} <{user.email}>{' (admin)' if admin else ''}.")


@cli.cli.command("seed-demo")
def seed_demo() -> None:
    """Create the demo users (idempotent)."""
    for email, name, password, admin in DEMO_USERS:
        if find_user(email) is None:
            create_user(email, password, name, admin)
        click.echo(f"  {email:<24} {password:<22} {'admin' if admin else 'user'}")
