"""Second-factor changes are recorded as security events; the log is append-only."""

import pytest

from accounts.audit.events import Origin, record_event
from accounts.audit.models import SecurityEvent
from accounts.extensions import db
from common.clock import utcnow
from tests.accounts.mfa.conftest import code_now, events, second_step
from tests.conftest import PASSWORD, submit


def test_flows_record_their_events(accounts_app, client, auth, enrolled, clock):
    auth.sign_in(enrolled.email, enrolled.password)
    second_step(client, code_now(enrolled.secret), remember=True)
    submit(client, "/security/backup-codes/new", {"password": PASSWORD})
    submit(client, "/security/two-factor/disable", {"password": PASSWORD})
    kinds = [e.event_type for e in events(accounts_app)]
    assert kinds == [
        "mfa.enabled",
        "mfa.device_trusted",  # committed before the sign-in completes (mfa/views.py)
        "signin.succeeded",
        "mfa.backup_codes_regenerated",
        "mfa.disabled",
    ]
    last = events(accounts_app)[-1]
    assert last.actor_id == enrolled.id and last.ip == "127.0.0.1" and last.user_agent.startswith("Werkzeug")
    assert last.created_at == utcnow()


def test_events_cannot_be_changed_or_removed(accounts_app):
    with accounts_app.app_context():
        event = record_event("test.event", actor_id=None, origin=Origin(), now=utcnow())
        db.session.commit()
        event.event_type = "rewritten"
        with pytest.raises(PermissionError):
            db.session.commit()
        db.session.rollback()
        with pytest.raises(PermissionError):
            db.session.delete(db.session.get(SecurityEvent, event.id))
            db.session.commit()
        db.session.rollback()
