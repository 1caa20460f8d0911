"""Fixtures for organizations: Initech with an owner, an admin and a member, an outsider, and signed-in clients."""

from types import SimpleNamespace

import pytest
from sqlalchemy import select

from accounts.cli import create_user
from accounts.extensions import db
from accounts.identity.models import User
from accounts.orgs import services
from accounts.orgs.models import Invitation, Membership, Organization
from accounts.orgs.rules import Role
from common.clock import utcnow
from tests.conftest import PASSWORD, Auth


@pytest.fixture
def person(accounts_app):
    """person(email, name) -> a verified user as a plain record (id, email, name), usable outside the app context."""

    def make(email: str, name: str) -> SimpleNamespace:
        with accounts_app.app_context():
            user = create_user(email, PASSWORD, name)
            db.session.commit()
            return SimpleNamespace(id=user.id, email=user.email, name=user.name)

    return make


@pytest.fixture
def initech(accounts_app, person):
    """Org "initech": alice owner, bob admin, carol member; dave is in no org but his own."""
    users = {name: person(f"{name}@example.com", name.capitalize()) for name in ("alice", "bob", "carol", "dave")}
    with accounts_app.app_context():
        org = services.create_org(users["alice"].id, "Initech", "initech", utcnow())
        services.set_membership(org.id, users["bob"].id, Role.ADMIN)
        services.set_membership(org.id, users["carol"].id, Role.MEMBER)
        db.session.commit()
        org_id = org.id
    return SimpleNamespace(id=org_id, slug="initech", users=users, **users)


@pytest.fixture
def signed_in(accounts_app):
    """signed_in(user) -> a test client of Accounts with that user signed in (one browser per user)."""

    def sign_in(user):
        browser = accounts_app.test_client()
        response = Auth(browser).sign_in(user.email)
        assert response.status_code == 303
        return browser

    return sign_in


@pytest.fixture
def roles(accounts_app):
    """roles(org_id) -> {email: role} of the org as stored."""

    def read(org_id: int) -> dict[str, str]:
        with accounts_app.app_context():
            rows = db.session.execute(
                select(User.email, Membership.role).join(Membership.user).where(Membership.org_id == org_id)
            ).all()
            return dict(rows)

    return read


@pytest.fixture
def invitations(accounts_app):
    """invitations(org_id) -> every invitation of the org, oldest first, detached."""

    def read(org_id: int) -> list[Invitation]:
        with accounts_app.app_context():
            rows = list(
                db.session.scalars(select(Invitation).where(Invitation.org_id == org_id).order_by(Invitation.id))
            )
            db.session.expunge_all()
            return rows

    return read


@pytest.fixture
def org_exists(accounts_app):
    """org_exists(slug) -> whether an org with that slug is stored."""

    def exists(slug: str) -> bool:
        with accounts_app.app_context():
            return db.session.scalar(select(Organization.id).where(Organization.slug == slug)) is not None

    return exists
