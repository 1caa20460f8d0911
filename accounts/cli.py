"""Command-line tools: `flask --app app users create`, `flask --app app seed-demo`.

The commands are the flows here: the helpers they share stage their changes, each command commits.
"""

import json
from datetime import timedelta
from pathlib import Path

import click
from flask import Blueprint, current_app
from flask.cli import AppGroup
from sqlalchemy import select

from common.clock import utcnow

from .extensions import db
from .identity.addresses import is_valid_email, normalise_email
from .identity.models import User
from .identity.passwords import hash_password, password_problems
from .identity.services import find_user
from .identity.tokens import purge_expired_tokens
from .magic_links.services import purge_expired as purge_expired_magic_links
from .mfa.factors import has_totp
from .mfa.services import enable_with_secret
from .mfa.settings import mfa_settings
from .oidc.cli import seed_demo_clients
from .oidc.services import purge_spent
from .orgs import services as orgs
from .orgs.claims import orgs_claim
from .orgs.models import Organization
from .orgs.rules import Role
from .sessions.services import purge_expired

cli = Blueprint("cli", __name__, cli_group=None)
users = AppGroup("users", help="Manage Accounts users.")
cli.cli.add_command(users)

DEMO_USERS = [
    ("admin@gatehouse.test", "Ada Admin", "ada-demo-password", True),
    ("alice@gatehouse.test", "Alice Example", "alice-demo-password", False),
    ("bob@gatehouse.test", "Bob Example", "bob-demo-password", False),
    ("carol@gatehouse.test", "Carol Example", "carol-demo-password", False),
]
DEMO_ORG = ("Initech", "initech")
DEMO_ROLES = [
    ("alice@gatehouse.test", Role.OWNER),
    ("bob@gatehouse.test", Role.ADMIN),
    ("carol@gatehouse.test", Role.MEMBER),
]
# Bob signs in with a second factor. A fixed, published secret: demo data only, never a real account.
DEMO_TOTP_USER = "bob@gatehouse.test"
DEMO_TOTP_SECRET = "GATEHOUSEDEMOBOBTOTPSECRET234567"  # noqa: S105 (documented demo secret)
# The demo admin has a second factor too: impersonating needs one (SPEC §2.8).
DEMO_SECOND_FACTORS = {DEMO_TOTP_USER: DEMO_TOTP_SECRET, "admin@gatehouse.test": "GATEHOUSEDEMOADATOTPSECRET234567"}
# Read by each tenant's seed-demo: tenants never read Accounts tables, only what tokens would tell them.
DEMO_USERS_FILE = "demo-users.json"


def create_user(email: str, password: str, name: str, admin: bool = False) -> User:
    """Stage a verified user (for operators and demo data; no email round trip); the caller commits."""
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
    db.session.flush()  # the id, and the personal space made with the row
    return user


@users.command("create")
@click.option("--email", required=True)
@click.option("--password", required=True)
@click.option("--name", required=True)
@click.option("--admin", is_flag=True, help="Give the user the site role admin.")
def users_create(email: str, password: str, name: str, admin: bool) -> None:
    """Create a verified user."""
    user = create_user(email, password, name, admin)
    db.session.commit()
    click.echo(f"Created user {user.id} <{user.email}>{' (admin)' if admin else ''}.")


def seed_demo_org() -> Organization:
    """The demo org with an owner, an admin and a member (demo users must exist)."""
    name, slug = DEMO_ORG
    org = db.session.scalar(select(Organization).where(Organization.slug == slug))
    if org is None:
        org = orgs.create_org(find_user(DEMO_ROLES[0][0]).id, name, slug, utcnow())
    for email, role in DEMO_ROLES:
        orgs.set_membership(org.id, find_user(email).id, role)
    return org


@cli.cli.command("purge-expired")
def purge_expired_command() -> None:
    """Delete expired sessions (announcing them), dead link tokens and sign-in links, spent codes and tokens (cron)."""
    now = utcnow()
    sessions = purge_expired(now, current_app.config["SESSION_IDLE_TIMEOUT"])
    links = purge_expired_tokens(now) + purge_expired_magic_links(now)
    db.session.commit()  # then the ended sessions are announced
    codes, tokens = purge_spent(now, timedelta(seconds=current_app.config["OIDC_REFRESH_TOKEN_LIFETIME"]))
    click.echo(f"Purged {sessions} sessions, {links} link tokens, {codes} authorization codes, {tokens} tokens.")


@cli.cli.command("seed-demo")
@click.option(
    "--users-file",
    type=click.Path(dir_okay=False, path_type=Path),
    help=f"Where to write the demo users' claims for the tenants (default: instance/{DEMO_USERS_FILE}).",
)
def seed_demo(users_file: Path | None) -> None:
    """Create the demo users, org, second factor and OpenID clients (idempotent); print the logins."""
    if current_app.config["GATEHOUSE_ENV"] == "production":
        raise click.ClickException("seed-demo creates accounts with published passwords; it never runs in production.")
    click.echo("Demo logins (email, password, site role):")
    for email, name, password, admin in DEMO_USERS:
        if find_user(email) is None:
            create_user(email, password, name, admin)
        click.echo(f"  {email:<24} {password:<22} {'admin' if admin else 'user'}")
    org = seed_demo_org()
    click.echo(f"  Organization {org.name} ({org.slug}): " + ", ".join(f"{e.split('@')[0]} {r}" for e, r in DEMO_ROLES))
    path = write_demo_users(users_file or Path(current_app.instance_path) / DEMO_USERS_FILE)
    click.echo(f"  Wrote {path} (the demo users' sub, name and orgs claim, for the tenants' seed-demo).")
    for email, secret in DEMO_SECOND_FACTORS.items():
        user = find_user(email)
        if not has_totp(user.id):
            enable_with_secret(user, secret, keys=mfa_settings(current_app.config).keys, now=utcnow())
        click.echo(f"\n  {email} has two-factor authentication. For the code after the password, either add")
        click.echo(f"  the secret {secret} to an authenticator app, or run")
        click.echo(f"  flask --app app mfa code {email}")
    db.session.commit()
    for line in seed_demo_clients(current_app.instance_path):
        click.echo(line)


def write_demo_users(path: Path) -> Path:
    """Write each demo user's `sub`, name, email and `orgs` claim, exactly as ID tokens carry them."""
    users = []
    for email, *_ in DEMO_USERS:
        user = find_user(email)
        # The provider's `sub` is the user id as a string.
        users.append({"sub": str(user.id), "name": user.name, "email": user.email, "orgs": orgs_claim(user.id)})
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({"users": users}, indent=2) + "\n")
    return path
