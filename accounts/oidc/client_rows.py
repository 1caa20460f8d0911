"""A registered client as Authlib's endpoints read it: one Core row per request, no ORM object."""

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import datetime
from functools import cache

from sqlalchemy import bindparam, select

from ..extensions import db
from .models import AuthorizationCode, Client, ClientRules


@dataclass(frozen=True)
class RegisteredClient(ClientRules):
    """The columns of an oauth_clients row, with the same rules the ORM Client answers Authlib by."""

    id: int
    client_id: str
    client_secret_hash: str | None
    name: str
    redirect_uris: list
    post_logout_redirect_uris: list
    backchannel_logout_uri: str | None
    security_events_uri: str | None
    scope: str
    first_party: bool
    resource: str | None
    created_at: datetime


# The oauth_clients columns a RegisteredClient is made of, in its field order (for reads that join a client).
CLIENT_COLUMNS = tuple(getattr(Client.__table__.c, name) for name in RegisteredClient.__dataclass_fields__)

# A client a statement of this request read already (with the credential it presented), while one is open.
_already_read: ContextVar[RegisteredClient | None] = ContextVar("already_read_client", default=None)


@cache
def _client_by_id():
    # Built once; rows, not entities: loading the ORM Client was ~15% of a refresh request's Python time.
    return select(*CLIENT_COLUMNS).where(Client.__table__.c.client_id == bindparam("client_id"))


def registered_client(client_id: str) -> RegisteredClient | None:
    """The registered client with this id, or None; not read again if already_read holds it."""
    known = _already_read.get()
    if known is not None and known.client_id == client_id:
        return known
    row = db.session.execute(_client_by_id(), {"client_id": client_id}).first()
    return RegisteredClient(*row) if row is not None else None


@cache
def _client_with_nonce():
    # One statement: the client, and whether it sent this nonce before (ix_oauth_codes_client_id_nonce).
    codes, clients = AuthorizationCode.__table__.c, Client.__table__.c
    seen = select(codes.id).where(codes.client_id == clients.id, codes.nonce == bindparam("nonce")).exists()
    return select(*CLIENT_COLUMNS, seen).where(clients.client_id == bindparam("client_id"))


def client_for_authorization(client_id: str | None, nonce: str | None) -> tuple[RegisteredClient | None, bool]:
    """The registered client of an authorization request, and whether it sent this nonce before.

    A nonce seen before means a replayed request (OIDC Core §15.5.2); no client, nothing was seen.
    """
    if client_id is None:
        return None, False
    row = db.session.execute(_client_with_nonce(), {"client_id": client_id, "nonce": nonce}).first()
    if row is None:
        return None, False
    return RegisteredClient(*row[:-1]), bool(row[-1])


@contextmanager
def already_read(client: RegisteredClient | None) -> Iterator[None]:
    """Within the block, registered_client answers with this row for its id instead of a statement.

    Scoped to the block, not the request: a row read a moment ago, used for the client authentication that
    follows at once, and never again later (a secret changed in between counts from the next request).
    """
    mark = _already_read.set(client)
    try:
        yield
    finally:
        _already_read.reset(mark)
