"""Audit helpers: append events, read the chain back, tamper with it through raw SQL."""

import pytest
from sqlalchemy import select, text

from accounts.audit.events import Origin, record_event
from accounts.audit.models import SecurityEvent
from accounts.extensions import db
from common.clock import utcnow


def chain(app) -> list[SecurityEvent]:
    """Every stored entry in seq order, detached."""
    with app.app_context():
        rows = list(db.session.scalars(select(SecurityEvent).order_by(SecurityEvent.seq)))
        db.session.expunge_all()
        return rows


def of_type(app, event_type: str) -> list[SecurityEvent]:
    """The stored entries of one type, in seq order."""
    return [e for e in chain(app) if e.event_type == event_type]


def raw_sql(app, statement: str, **params) -> None:
    """Change the table behind the application's back, as someone with database access could."""
    with app.app_context(), db.engine.begin() as conn:
        conn.execute(text(statement), params)


@pytest.fixture
def append(accounts_app):
    """append(n) -> the seqs of n new committed test events."""

    def add(count: int = 1, **fields) -> list[int]:
        with accounts_app.app_context():
            entries = []
            for number in range(count):
                entries.append(
                    record_event(
                        fields.get("event_type", "test.event"),
                        actor_id=fields.get("actor_id"),
                        origin=fields.get("origin", Origin("192.0.2.1", "pytest")),
                        now=utcnow(),
                        details=fields.get("details", {"n": number}),
                        subject_id=fields.get("subject_id"),
                        org_id=fields.get("org_id"),
                    )
                )
                db.session.commit()
            return [e.seq for e in entries]

    return add


# The organization fixtures (Initech: alice owner, bob admin, carol member, dave outside).
from tests.accounts.orgs.conftest import initech, person, signed_in  # noqa: E402, F401
