"""Client registration rules: validated redirect URIs and scopes, secrets shown once and stored hashed."""

import ipaddress
import re
import secrets
from dataclasses import dataclass
from urllib.parse import urlsplit

from sqlalchemy import delete, select

from ..extensions import db
from .config import SCOPES_SUPPORTED
from .credentials import hash_credential, new_credential
from .models import AuthorizationCode, Client, ClientSession, Consent, Token

_CLIENT_ID = re.compile(r"^[a-z0-9][a-z0-9._-]{1,63}$")


class ClientError(ValueError):
    """The registration is not acceptable; the message says why."""


@dataclass(frozen=True)
class Registration:
    """What a client is registered with."""

    name: str
    redirect_uris: list[str]
    post_logout_redirect_uris: list[str]
    backchannel_logout_uri: str | None
    scope: str
    public: bool
    first_party: bool
    resource: str | None = None
    security_events_uri: str | None = None


def _is_loopback(host: str | None) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host or "").is_loopback
    except ValueError:
        return False


def check_uri(uri: str, what: str) -> str:
    """An absolute https URL (http only on loopback), without fragment: RFC 6749 §3.1.2, RFC 9700 §4.1.1."""
    parts = urlsplit(uri)
    if parts.scheme not in ("https", "http") or not parts.hostname or parts.fragment or "#" in uri:
        raise ClientError(f"{what} must be an absolute http(s) URL without a fragment: {uri!r}")
    if parts.scheme == "http" and not _is_loopback(parts.hostname):
        raise ClientError(f"{what} must use https unless it is on this machine (localhost): {uri!r}")
    if len(uri) > 500:
        raise ClientError(f"{what} is too long: {uri!r}")
    return uri


def check_registration(reg: Registration) -> Registration:
    """Refuse anything this provider could not serve safely."""
    if not reg.name.strip() or len(reg.name) > 100:
        raise ClientError("The name must be 1 to 100 characters.")
    if not reg.redirect_uris:
        raise ClientError("At least one redirect URI is required.")
    for uri in reg.redirect_uris:
        check_uri(uri, "A redirect URI")
    for uri in reg.post_logout_redirect_uris:
        check_uri(uri, "A post-logout redirect URI")
    if reg.backchannel_logout_uri:
        check_uri(reg.backchannel_logout_uri, "The back-channel logout URI")
    if reg.security_events_uri:
        check_uri(reg.security_events_uri, "The security events URI")
    if reg.resource:
        check_uri(reg.resource, "The resource")
    scopes = reg.scope.split()
    unknown = [s for s in scopes if s not in SCOPES_SUPPORTED]
    if unknown:
        raise ClientError(f"Unknown scope(s): {', '.join(unknown)}. Known: {' '.join(SCOPES_SUPPORTED)}")
    if "openid" not in scopes:
        raise ClientError("The scope must include openid.")
    return reg


def find_client(client_id: str) -> Client | None:
    """The client registered under this id."""
    return db.session.scalar(select(Client).where(Client.client_id == client_id))


def register_client(reg: Registration, client_id: str | None = None) -> tuple[Client, str | None]:
    """Register a client; returns it and its secret, which is shown once and stored only as a hash."""
    check_registration(reg)
    client_id = client_id or secrets.token_hex(12)
    if not _CLIENT_ID.match(client_id):
        raise ClientError(f"Invalid client id {client_id!r}: lowercase letters, digits, '.', '_' or '-'.")
    if find_client(client_id) is not None:
        raise ClientError(f"A client with id {client_id!r} already exists.")
    secret = None if reg.public else new_credential()
    client = Client(client_id=client_id, client_secret_hash=hash_credential(secret) if secret else None)
    _apply(client, reg)
    db.session.add(client)
    db.session.commit()
    return client, secret


def update_client(client: Client, reg: Registration) -> Client:
    """Change a client's registration (its id and secret stay)."""
    check_registration(reg)
    if reg.public != client.is_public:
        raise ClientError("A client cannot switch between public and confidential; delete and register it again.")
    _apply(client, reg)
    db.session.commit()
    return client


def new_secret(client: Client) -> str:
    """Give a confidential client a new secret (the old one stops working at once)."""
    if client.is_public:
        raise ClientError("A public client has no secret.")
    secret = new_credential()
    client.client_secret_hash = hash_credential(secret)
    db.session.commit()
    return secret


def _apply(client: Client, reg: Registration) -> None:
    client.name = reg.name.strip()
    client.redirect_uris = list(reg.redirect_uris)
    client.post_logout_redirect_uris = list(reg.post_logout_redirect_uris)
    client.backchannel_logout_uri = reg.backchannel_logout_uri or None
    client.security_events_uri = reg.security_events_uri or None
    client.scope = " ".join(dict.fromkeys(reg.scope.split()))
    client.first_party = reg.first_party
    client.resource = reg.resource or None


def all_clients() -> list[Client]:
    """Every registered client, oldest first."""
    return list(db.session.scalars(select(Client).order_by(Client.id)))


def delete_client(client_id: str) -> bool:
    """Remove a client with its codes, tokens, consents and session records."""
    client = find_client(client_id)
    if client is None:
        return False
    # Explicit deletes: SQLite does not enforce ON DELETE CASCADE unless told to.
    for model in (AuthorizationCode, Token, Consent, ClientSession):
        db.session.execute(delete(model).where(model.client_id == client.id))
    db.session.delete(client)
    db.session.commit()
    return True


def describe_client(client: Client) -> dict:
    """A client as JSON for the CLI (never its secret: only the hash is kept)."""
    return {
        "client_id": client.client_id,
        "name": client.name,
        "public": client.is_public,
        "first_party": client.first_party,
        "redirect_uris": list(client.redirect_uris),
        "post_logout_redirect_uris": list(client.post_logout_redirect_uris),
        "backchannel_logout_uri": client.backchannel_logout_uri,
        "security_events_uri": client.security_events_uri,
        "scope": client.scope,
        "resource": client.audience,
    }
