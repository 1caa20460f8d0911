"""Command line: `flask --app app clients create|list|delete`, `flask --app app keys rotate`, demo clients."""

import json
import os
import secrets
from pathlib import Path

import click
from flask import Blueprint, current_app
from flask.cli import AppGroup

from common.clock import utcnow

from ..audit.events import Origin, record_event
from ..extensions import db
from . import config, keys
from .clients import (
    ClientError,
    Registration,
    all_clients,
    delete_client,
    describe_client,
    find_client,
    new_secret,
    register_client,
    update_client,
)
from .tokens import current_signing_key

bp = Blueprint("oidc_cli", __name__, cli_group=None)
clients = AppGroup("clients", help="Manage OpenID clients (relying parties).")
keys_group = AppGroup("keys", help="Manage the keys tokens are signed with.")
bp.cli.add_command(clients)
bp.cli.add_command(keys_group)

# The demo tenants: slug, name, default URL (ACME_URL / GLOBEX_URL override it).
DEMO_TENANTS = [("acme", "Acme", "http://localhost:5001"), ("globex", "Globex", "http://localhost:5002")]
DEMO_SCOPE = "openid profile email offline_access todos:read todos:write orgs"
# Operators at a shell: no address, no browser, no signed-in actor.
CLI_ORIGIN = Origin(user_agent="flask cli")


def _record_client_event(event_type: str, client_id: str, registration: Registration | None = None) -> None:
    """Add a client event to the session; the clients helper called next commits it with the change."""
    details = {"client_id": client_id}
    if registration is not None:
        details |= {
            "name": registration.name,
            "redirect_uris": list(registration.redirect_uris),
            "public": registration.public,
            "first_party": registration.first_party,
            "scope": registration.scope,
        }
    record_event(event_type, actor_id=None, origin=CLI_ORIGIN, now=utcnow(), details=details)


@clients.command("create")
@click.option("--name", required=True, help="Shown to users on the consent page.")
@click.option("--redirect-uri", "redirect_uris", multiple=True, required=True, help="Exact URI; repeatable.")
@click.option("--post-logout-redirect-uri", "post_logout_uris", multiple=True, help="Repeatable.")
@click.option("--backchannel-logout-uri", help="Where logout tokens are POSTed.")
@click.option("--security-events-uri", help="Where Security Event Tokens are pushed (RFC 8935).")
@click.option("--public", is_flag=True, help="No secret (apps that cannot keep one); PKCE alone protects the code.")
@click.option("--first-party", is_flag=True, help="Skip the consent page (your own sites only).")
@click.option("--scope", default="openid profile email", show_default=True, help="Scopes the client may ask for.")
@click.option("--resource", help="Audience of its access tokens (default: the client id).")
@click.option("--client-id", help="A chosen client id (default: random).")
def clients_create(
    name,
    redirect_uris,
    post_logout_uris,
    backchannel_logout_uri,
    security_events_uri,
    public,
    first_party,
    scope,
    resource,
    client_id,
):
    """Register a client; prints JSON with client_id and client_secret (null for public clients)."""
    registration = Registration(
        name=name,
        redirect_uris=list(redirect_uris),
        post_logout_redirect_uris=list(post_logout_uris),
        backchannel_logout_uri=backchannel_logout_uri,
        security_events_uri=security_events_uri,
        scope=scope,
        public=public,
        first_party=first_party,
        resource=resource,
    )
    # Chosen here (as register_client would) so the event names it and commits with the client.
    client_id = client_id or secrets.token_hex(12)
    _record_client_event("client.registered", client_id, registration)
    try:
        client, secret = register_client(registration, client_id)
    except ClientError as error:
        db.session.rollback()
        raise click.ClickException(str(error)) from error
    # The secret is shown this once; only its hash is stored.
    click.echo(
        json.dumps({"client_id": client.client_id, "client_secret": secret, **describe_client(client)}, indent=2)
    )


@clients.command("list")
def clients_list():
    """Print every registered client as JSON (secrets are never shown again)."""
    click.echo(json.dumps([describe_client(c) for c in all_clients()], indent=2))


@clients.command("delete")
@click.argument("client_id")
def clients_delete(client_id):
    """Delete a client with its codes, tokens and consents."""
    _record_client_event("client.deleted", client_id)
    if not delete_client(client_id):
        db.session.rollback()
        raise click.ClickException(f"No client with id {client_id!r}.")
    click.echo(f"Deleted client {client_id}.")


@keys_group.command("rotate")
def keys_rotate():
    """Sign with a new key from now on; old keys stay published until their tokens have expired."""
    row, retired = keys.rotate(current_app.config["SECRET_KEY"], utcnow(), config.key_retention(), origin=CLI_ORIGIN)
    current_signing_key().forget()
    click.echo(json.dumps({"signing_kid": row.kid, "retired_kids": retired}, indent=2))


def _write_secret(path: Path, secret: str) -> None:
    """Write a client secret readable by its owner only."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(secret + "\n")


def tenant_registration(name: str, url: str) -> Registration:
    """How a Gatehouse tenant site at url registers: its fixed paths, first-party, confidential."""
    return Registration(
        name=name,
        redirect_uris=[f"{url}/auth/callback"],
        post_logout_redirect_uris=[f"{url}/signed-out"],
        backchannel_logout_uri=f"{url}/auth/backchannel-logout",
        security_events_uri=f"{url}/auth/security-events",
        scope=DEMO_SCOPE,
        public=False,
        first_party=True,
        resource=url,
    )


def seed_demo_clients(instance_path: str) -> list[str]:
    """Register Acme and Globex as first-party confidential clients; secrets go to instance/<slug>.client_secret."""
    lines = []
    for slug, name, default_url in DEMO_TENANTS:
        url = os.environ.get(f"{slug.upper()}_URL", default_url).rstrip("/")
        registration = tenant_registration(name, url)
        secret_path = Path(instance_path) / f"{slug}.client_secret"
        client = find_client(slug)
        if client is None:
            _record_client_event("client.registered", slug, registration)
            client, secret = register_client(registration, slug)
            _write_secret(secret_path, secret)
        else:
            _record_client_event("client.updated", slug, registration)
            update_client(client, registration)
            if not secret_path.exists():
                _write_secret(secret_path, new_secret(client))
        lines.append(f"  client {slug:<8} {url:<26} secret in {secret_path}")
    return lines
