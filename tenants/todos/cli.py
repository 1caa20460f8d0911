"""`flask --app 'app:tenant("acme")' seed-demo`: demo todos for the demo org and its users on this tenant.

The tenant never reads Accounts tables. It takes the demo users from the file Accounts' own
seed-demo writes (instance/demo-users.json): each user's `sub`, name and `orgs` claim, exactly
what their tokens would tell this tenant.
"""

import json
from datetime import timedelta
from pathlib import Path

import click
from flask import Blueprint, current_app
from sqlalchemy import func, select

from common.clock import utcnow

from ..extensions import db
from . import services
from .models import ORG, PRIVATE, Todo
from .scoping import Viewer, viewer_from_claims

cli = Blueprint("todos_cli", __name__, cli_group=None)

DEMO_ORG_SLUG = "initech"
USERS_FILE = "demo-users.json"
# Per tenant, so switching sites shows that each keeps its own data (SPEC §3.2).
DEMO_TITLES = {
    "acme": ("Order anvils", "Test the rocket skates", "Repaint the tunnel", "Sharpen the giant magnet"),
    "globex": ("Book the volcano lair tour", "Review the hammock budget", "Plan the doomsday demo", "Fix the monorail"),
}


def _load_viewers(path: Path, issuer: str) -> list[Viewer]:
    try:
        users = json.loads(path.read_text())["users"]
        viewers = [viewer_from_claims(issuer, u["sub"], u.get("orgs"), u.get("name", "")) for u in users]
    except (OSError, ValueError, KeyError, TypeError) as error:
        raise click.ClickException(
            f"Cannot read {path} ({error}). Run `flask --app app seed-demo` first: it writes this file."
        ) from error
    return [v for v in viewers if v is not None]


def _titles(slug: str, name: str) -> tuple[str, ...]:
    return DEMO_TITLES.get(slug) or tuple(f"{name} task {n}" for n in range(1, 5))


@cli.cli.command("seed-demo")
@click.option(
    "--users-file",
    type=click.Path(dir_okay=False, path_type=Path),
    help=f"The demo users' claims written by Accounts' seed-demo (default: instance/{USERS_FILE}).",
)
def seed_demo(users_file: Path | None) -> None:
    """Give each demo org member an org todo and a private todo, and one in their personal space (idempotent)."""
    if current_app.config["GATEHOUSE_ENV"] == "production":
        raise click.ClickException("seed-demo writes demo data; it never runs in production.")
    site, tenant = current_app.config["SITE"], current_app.config["TENANT"]
    viewers = _load_viewers(users_file or Path(current_app.instance_path) / USERS_FILE, tenant.issuer)
    members = [(v, m) for v in viewers for m in v.memberships if m.slug == DEMO_ORG_SLUG]
    if not members:
        raise click.ClickException(f"No member of the org “{DEMO_ORG_SLUG}” in the users file.")
    org_id = members[0][1].org_id
    existing = db.session.scalar(
        select(func.count()).where(Todo.site == site, Todo.iss == tenant.issuer, Todo.org_id == org_id)
    )
    if existing:
        click.echo(f"{tenant.name}: the demo org already has {existing} todo(s); nothing added.")
        return
    titles = _titles(site, tenant.name)
    start = utcnow() - timedelta(hours=len(members) * 3)
    for n, (viewer, membership) in enumerate(members):
        first = viewer.name.split()[0] if viewer.name else viewer.sub
        todos = [
            (membership.org_id, f"{titles[n % len(titles)]} ({first}, shared)", ORG),
            (membership.org_id, f"{first}'s private note for {tenant.name}", PRIVATE),
        ]
        if viewer.personal_space:
            todos.append((viewer.personal_space.org_id, f"{first}'s personal errand on {tenant.name}", PRIVATE))
        for k, (todo_org, title, visibility) in enumerate(todos):
            fields = {"title": title, "visibility": visibility, "notes": "Demo data from seed-demo."}
            services.create_todo(site, viewer, todo_org, fields, start + timedelta(hours=n * 3 + k))
        click.echo(f"  {tenant.name}: {first} ({membership.role}) got {len(todos)} todos")
