"""`flask purge-expired`: expired sessions end (and are announced), dead link tokens go."""

from datetime import timedelta

import time_machine
from sqlalchemy import func, select

from accounts.extensions import db
from accounts.identity import tokens
from accounts.identity.models import EmailToken, User
from accounts.sessions.signals import session_ended
from common.clock import utcnow
from tests.accounts.conftest import session_rows
from tests.conftest import Auth


def purge(app) -> str:
    result = app.test_cli_runner().invoke(args=["purge-expired"])
    assert result.exit_code == 0, result.output
    return result.output


def test_expired_sessions_are_deleted_and_announced(accounts_app, make_user):
    alice = make_user("alice@example.com", name="Alice")
    bob = make_user("bob@example.com", name="Bob")
    ended = []
    with time_machine.travel(utcnow(), tick=False) as clock:
        Auth(accounts_app.test_client()).sign_in("alice@example.com")
        clock.shift(timedelta(hours=13))  # past the 12-hour idle timeout
        Auth(accounts_app.test_client()).sign_in("bob@example.com")
        with session_ended.connected_to(lambda sender, **kw: ended.append(kw)):
            output = purge(accounts_app)

    assert session_rows(accounts_app, alice.id) == []
    assert len(session_rows(accounts_app, bob.id)) == 1, "a live session stays"
    assert [(e["user_id"], e["reason"]) for e in ended] == [(alice.id, "expired")]
    assert "Purged 1 sessions" in output


def test_expired_link_tokens_are_deleted(accounts_app, make_user):
    make_user("alice@example.com")
    with accounts_app.app_context():
        user = db.session.scalar(select(User))
        tokens.issue_token(user, tokens.RESET_PASSWORD, timedelta(minutes=30), utcnow() - timedelta(hours=1))
        tokens.issue_token(user, tokens.RESET_PASSWORD, timedelta(minutes=30), utcnow())
        db.session.commit()

    purge(accounts_app)

    with accounts_app.app_context():
        assert db.session.scalar(select(func.count(EmailToken.id))) == 1
