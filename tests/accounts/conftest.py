"""Accounts test helpers: an app factory with settings overrides, reading pages, cookies and rows."""

import re
from html import unescape

import pytest
from sqlalchemy import select

import accounts
from accounts.cli import create_user
from accounts.extensions import db, limiter
from accounts.identity.models import User
from accounts.sessions.models import UserSession
from tests.conftest import PASSWORD, accounts_overrides

FLASH_RE = re.compile(r'<p class="flash flash-(\w+)"[^>]*>(.*?)</p>', re.S)


def _empty_tables() -> None:
    with db.engine.begin() as conn:
        for table in reversed(db.metadata.sorted_tables):
            conn.execute(table.delete())


@pytest.fixture
def accounts_app_with():
    """Build the Accounts site with extra settings: accounts_app_with(RATELIMIT_RESET="2 per hour")."""
    built = []

    def build(**overrides):
        app = accounts.create_app({**accounts_overrides(), **overrides})
        with app.app_context():
            db.create_all()
            _empty_tables()
        built.append(app)
        return app

    yield build
    for app in built:
        with app.app_context():
            limiter.reset()
            db.session.remove()
            _empty_tables()
            db.engine.dispose()


def add_user(app, email: str = "alice@example.com", password: str = PASSWORD, name: str = "Alice") -> None:
    """Create a verified user on an app built by accounts_app_with."""
    with app.app_context():
        create_user(email, password, name)
        db.session.commit()


def stored_user(app, email: str) -> User | None:
    """The users row for an email, detached from the database session."""
    with app.app_context():
        user = db.session.scalar(select(User).where(User.email == email))
        if user is not None:
            db.session.expunge(user)
        return user


def session_rows(app, user_id: int | None = None) -> list[UserSession]:
    """The stored session rows (of one user, if given), detached."""
    with app.app_context():
        query = select(UserSession)
        if user_id is not None:
            query = query.where(UserSession.user_id == user_id)
        rows = list(db.session.scalars(query))
        db.session.expunge_all()
        return rows


def flashes(response) -> list[str]:
    """The flashed messages shown on a page."""
    return [unescape(text) for _, text in FLASH_RE.findall(response.get_data(as_text=True))]


def page(client, url: str) -> str:
    """The HTML of a GET, asserting it answered 200."""
    response = client.get(url)
    assert response.status_code == 200, f"GET {url} answered {response.status_code}"
    return unescape(response.get_data(as_text=True))


def signed_in_as(client) -> str | None:
    """The name the home page greets, or None for an anonymous visitor."""
    match = re.search(r"<h1>Hello, (.*?)</h1>", client.get("/").get_data(as_text=True))
    return unescape(match.group(1)) if match else None


def cookie_value(client, app) -> str | None:
    """The session cookie the browser holds."""
    cookie = client.get_cookie(app.config["SESSION_COOKIE_NAME"])
    return cookie.value if cookie else None


def with_cookie(app, value: str):
    """A fresh browser that presents a given session cookie value."""
    client = app.test_client()
    client.set_cookie(app.config["SESSION_COOKIE_NAME"], value)
    return client
