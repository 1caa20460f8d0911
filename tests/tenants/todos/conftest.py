"""Todo fixtures: an app context on Acme, and a helper that writes a todo as a Person."""

from datetime import timedelta

import pytest

from common.clock import utcnow
from tenants.extensions import db
from tenants.todos import services
from tenants.todos.scoping import Membership, Role, Viewer
from tests.tenants.people import ORG


@pytest.fixture
def acme(acme_app, fake_provider):
    """Acme signed in through a fake provider: the app most page tests drive."""
    return fake_provider(acme_app)


@pytest.fixture
def in_acme(acme_app):
    """Run the test inside Acme's app context (for calling services and scoping directly)."""
    with acme_app.app_context():
        yield acme_app
        db.session.remove()


@pytest.fixture
def write_todo():
    """write_todo(app, person, visibility="org", org=ORG, title=..., created_at=...) -> id of a todo by person."""

    def write(app, person, visibility="org", org=ORG, title=None, created_at=None, **fields) -> str:
        with app.app_context():
            # The author must be a member when writing; a removed member's todo is written while they still were.
            viewer = person.viewer
            if viewer.membership(org) is None:
                membership = Membership(org, org, org, Role.MEMBER)
                viewer = Viewer(viewer.iss, person.sub, (*viewer.memberships, membership), person.name)
            title = title or f"{visibility} todo by {person.key} on {app.config['SITE']}"
            # Distinct timestamps unless the test asks for one (then the id breaks ties).
            now = created_at or utcnow() + timedelta(microseconds=write.count)
            write.count += 1
            todo = services.create_todo(
                app.config["SITE"], viewer, org, {"title": title, "visibility": visibility, **fields}, now
            )
            todo_id = todo.id
            db.session.remove()
            return todo_id

    write.count = 0
    return write
