"""Admin console fixtures: an admin signed in on the test client, users to act on, and the OIDC helpers."""

from datetime import datetime

import pytest
from sqlalchemy import select

from accounts.audit.models import SecurityEvent
from accounts.extensions import db
from accounts.identity.models import User
from tests.accounts.oidc.conftest import (  # noqa: F401  (fixtures shared with the OpenID provider tests)
    Flow,
    backchannel,
    confidential_client,
    flow,
    register,
)
from tests.conftest import Auth

ADMIN = "root@example.com"


@pytest.fixture
def admin(make_user):
    """A site admin (detached User)."""
    return make_user(ADMIN, name="Root Admin", admin=True)


@pytest.fixture
def admin_client(client, admin):
    """The test client, signed in as the admin."""
    assert Auth(client).sign_in(ADMIN).status_code == 303
    return client


@pytest.fixture
def alice(make_user):
    """A plain user."""
    return make_user("alice@example.com", name="Alice")


def load(app, user_id: int) -> User:
    """A fresh, detached copy of a user row."""
    with app.app_context():
        user = db.session.get(User, user_id)
        db.session.expunge(user)
        return user


def events(app, event_type: str | None = None) -> list[SecurityEvent]:
    """Stored security events (of one type), oldest first, detached."""
    with app.app_context():
        query = select(SecurityEvent).order_by(SecurityEvent.id)
        if event_type:
            query = query.where(SecurityEvent.event_type == event_type)
        rows = list(db.session.scalars(query))
        db.session.expunge_all()
        return rows


def set_columns(app, user_id: int, **values) -> None:
    """Change columns of a user row directly (to arrange a state)."""
    with app.app_context():
        user = db.session.get(User, user_id)
        for name, value in values.items():
            setattr(user, name, value)
        db.session.commit()


def at(text: str) -> datetime:
    """A naive UTC datetime from ISO text."""
    return datetime.fromisoformat(text)
