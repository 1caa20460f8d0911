"""Fixtures for the three sites: apps, clients, users, mail, and a helper that signs a user in.

Tests run on SQLite in a temporary folder by default; with DATABASE_URL / REDIS_URL set they run
against PostgreSQL and Redis instead (CI does both).
"""

import os
import re
import secrets
import tempfile

import pytest
from flask import Flask
from jinja2 import BytecodeCache

_TMP = tempfile.mkdtemp(prefix="gatehouse-tests-")
os.environ["GATEHOUSE_ENV"] = "testing"
os.environ["GATEHOUSE_INSTANCE_PATH"] = f"{_TMP}/instance"  # never touch the developer's instance/
os.environ.setdefault("DATABASE_URL", f"sqlite:///{_TMP}/test.sqlite")
for _site in ("ACCOUNTS", "ACME", "GLOBEX"):
    os.environ[f"{_site}_SECRET_KEY"] = secrets.token_urlsafe(48)
for _site in ("ACME", "GLOBEX"):
    # A first visit stays put; the silent prompt=none check has tests of its own that switch it on.
    os.environ[f"{_site}_SILENT_SSO"] = "0"

from sqlalchemy import event, select  # noqa: E402
from sqlalchemy.engine import Engine  # noqa: E402

import accounts  # noqa: E402
import tenants  # noqa: E402
from accounts.cli import create_user  # noqa: E402
from accounts.extensions import db as accounts_db  # noqa: E402
from accounts.extensions import limiter  # noqa: E402
from accounts.mail.models import OutboxMessage  # noqa: E402
from tenants.extensions import db as tenants_db  # noqa: E402


class SharedTemplateCache(BytecodeCache):
    """Compiled templates kept for the whole run: each test builds new apps, which would recompile them all."""

    def __init__(self):
        self.compiled = {}

    def load_bytecode(self, bucket):
        if bucket.key in self.compiled:
            bucket.bytecode_from_string(self.compiled[bucket.key])

    def dump_bytecode(self, bucket):
        self.compiled[bucket.key] = bucket.bytecode_to_string()


Flask.jinja_options = {**Flask.jinja_options, "bytecode_cache": SharedTemplateCache()}


@event.listens_for(Engine, "connect")
def _no_fsync_for_sqlite(dbapi_connection, _record):
    """The test database is thrown away, so SQLite need not wait for the disk on every commit."""
    if type(dbapi_connection).__module__.startswith("sqlite3"):
        dbapi_connection.execute("PRAGMA synchronous = OFF")


# Cheap argon2 cost for speed; the production parameters are asserted in test_passwords.py.
FAST_ARGON2 = {"time_cost": 1, "memory_cost": 1024, "parallelism": 1}
PASSWORD = "correct horse battery staple"
CSRF_RE = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"')


def accounts_overrides() -> dict:
    """Accounts settings for tests: real CSRF and rate limits, fast hashing, isolated instance."""
    return {
        "TESTING": True,
        "ARGON2_PARAMETERS": FAST_ARGON2,
        "RATELIMIT_STORAGE_URI": os.environ.get("REDIS_URL") or "memory://",
        "RATELIMIT_KEY_PREFIX": f"gatehouse-test-{secrets.token_hex(4)}",
        "MAIL_SERVER": None,
        # Security events and back-channel logouts are delivered in-process, step by step (no RQ worker).
        "SECURITY_EVENTS_REDIS_URL": None,
    }


def _clean(db) -> None:
    with db.engine.begin() as conn:
        for table in reversed(db.metadata.sorted_tables):
            conn.execute(table.delete())


@pytest.fixture
def accounts_app():
    """The Accounts site with empty tables."""
    app = accounts.create_app(accounts_overrides())
    with app.app_context():
        accounts_db.create_all()
        _clean(accounts_db)
    yield app
    with app.app_context():
        limiter.reset()
        accounts_db.session.remove()
        _clean(accounts_db)
        accounts_db.engine.dispose()


def _tenant_app(slug: str):
    app = tenants.create_app(slug, {"TESTING": True})
    with app.app_context():
        tenants_db.create_all()
        _clean(tenants_db)
    return app


@pytest.fixture
def acme_app():
    """The Acme tenant site."""
    app = _tenant_app("acme")
    yield app
    with app.app_context():
        _clean(tenants_db)
        tenants_db.engine.dispose()


@pytest.fixture
def globex_app():
    """The Globex tenant site."""
    app = _tenant_app("globex")
    yield app
    with app.app_context():
        _clean(tenants_db)
        tenants_db.engine.dispose()


@pytest.fixture
def client(accounts_app):
    """A browser-like client of the Accounts site."""
    return accounts_app.test_client()


def csrf_token(client, url: str) -> str:
    """The CSRF token of the form on the page at url (as a browser would read it)."""
    page = client.get(url)
    match = CSRF_RE.search(page.get_data(as_text=True))
    assert match, f"no CSRF token on {url} (status {page.status_code})"
    return match.group(1)


def submit(client, url: str, data: dict, form_url: str | None = None, **kwargs):
    """POST a form the way a browser does: load the form page, send its CSRF token along."""
    token = csrf_token(client, form_url or url)
    return client.post(url, data={"csrf_token": token, **data}, **kwargs)


@pytest.fixture
def make_user(accounts_app):
    """Create a verified user: make_user("a@example.com") -> User."""

    def make(email: str = "alice@example.com", password: str = PASSWORD, name: str = "Alice", admin: bool = False):
        with accounts_app.app_context():
            user = create_user(email, password, name, admin)
            accounts_db.session.commit()
            accounts_db.session.refresh(user)  # load the columns the commit expired, so the copy is readable
            accounts_db.session.expunge(user)
            return user

    return make


@pytest.fixture
def outbox(accounts_app):
    """Read the development outbox: outbox() -> all messages, newest last."""

    def read(to: str | None = None) -> list[OutboxMessage]:
        with accounts_app.app_context():
            query = select(OutboxMessage).order_by(OutboxMessage.id)
            if to:
                query = query.where(OutboxMessage.to == to)
            messages = list(accounts_db.session.scalars(query))
            accounts_db.session.expunge_all()
            return messages

    return read


def link_in(message, path_prefix: str) -> str:
    """The path of the first link in a mail that starts with path_prefix."""
    match = re.search(r"https?://[^/\s]+(" + re.escape(path_prefix) + r"[^\s]*)", message.body)
    assert match, f"no {path_prefix} link in mail {message.subject!r}"
    return match.group(1)


class Auth:
    """Signs a user in and out of Accounts through the real forms."""

    def __init__(self, client):
        self.client = client

    def sign_in(self, email: str = "alice@example.com", password: str = PASSWORD, next: str = ""):
        return submit(self.client, "/sign-in", {"email": email, "password": password, "next": next})

    def sign_out(self):
        return submit(self.client, "/sign-out", {}, form_url="/")


@pytest.fixture
def auth(client):
    """auth.sign_in(email, password) through the sign-in form."""
    return Auth(client)


@pytest.fixture
def sites(monkeypatch, accounts_app):
    """Accounts, Acme and Globex over real HTTP on loopback, tenants registered as clients."""
    from tests.live import start_sites

    running = start_sites(monkeypatch, accounts_app)
    yield running
    _stop_sites(running)


def _stop_sites(running) -> None:
    running.stop()
    for site in (running.acme, running.globex):
        with site.app.app_context():
            tenants_db.session.remove()
            _clean(tenants_db)
            tenants_db.engine.dispose()
