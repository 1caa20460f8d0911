"""The outbox: org, session and ban changes stage their events in the change's transaction; delivery and retries."""

from datetime import timedelta

import pytest
import requests
from sqlalchemy import select

from accounts.extensions import db
from accounts.oidc.models import Client
from accounts.orgs import services
from accounts.orgs.rules import Role
from accounts.security_events import delivery
from accounts.security_events.models import OutboxEvent
from accounts.sessions.services import end_sessions
from common import security_event_types as types
from common.clock import utcnow


def rows(app) -> list[OutboxEvent]:
    with app.app_context():
        found = list(db.session.scalars(select(OutboxEvent).order_by(OutboxEvent.id)))
        db.session.expunge_all()
        return found


def carols_session(initech, now):
    """A live Accounts session of Carol's, id sid-carol."""
    from accounts.sessions.models import UserSession

    return UserSession(
        key="k" * 64,
        public_id="sid-carol",
        user_id=initech.carol.id,
        data={},
        created_at=now,
        last_seen_at=now,
        expires_at=now + timedelta(days=1),
    )


def test_removing_a_member_pushes_their_new_orgs_claim_once_committed(accounts_app, initech, tenant_client, push):
    with accounts_app.app_context():
        services.remove_member(initech.id, initech.alice.id, initech.carol.id)
        assert push.requests == [], "nothing leaves before the commit"
        db.session.commit()

    (sent,) = push.sets(accounts_app)
    assert sent["sub_id"] == {"format": "iss_sub", "iss": accounts_app.config["SITE_URL"], "sub": str(initech.carol.id)}
    assert sent["aud"] == "acme" and "exp" not in sent
    event = sent["events"][types.CLAIMS_CHANGED]
    assert "initech" not in [o["slug"] for o in event["claims"]["orgs"]]
    assert event["event_timestamp"] <= sent["iat"]
    assert push.requests[0]["headers"] == {"Content-Type": "application/secevent+jwt"}
    assert [r.status for r in rows(accounts_app)] == ["delivered"]


def test_a_rolled_back_change_stages_nothing(accounts_app, initech, tenant_client, push):
    with accounts_app.app_context():
        services.change_role(initech.id, initech.alice.id, initech.bob.id, Role.MEMBER)
        db.session.rollback()

    assert rows(accounts_app) == [] and push.requests == []


def test_a_role_change_sends_the_new_role(accounts_app, initech, tenant_client, push):
    with accounts_app.app_context():
        services.change_role(initech.id, initech.alice.id, initech.bob.id, Role.MEMBER)
        db.session.commit()

    (sent,) = push.sets(accounts_app)
    orgs = sent["events"][types.CLAIMS_CHANGED]["claims"]["orgs"]
    assert {o["slug"]: o["role"] for o in orgs}["initech"] == "member"


def test_deleting_an_org_tells_every_member(accounts_app, initech, tenant_client, push):
    with accounts_app.app_context():
        services.delete_org(initech.id, initech.alice.id, "initech")
        db.session.commit()

    subs = sorted(s["sub_id"]["sub"] for s in push.sets(accounts_app))
    assert subs == sorted(str(initech.users[n].id) for n in ("alice", "bob", "carol"))


def test_without_a_push_endpoint_nothing_is_staged(accounts_app, initech, tenant_client, push):
    with accounts_app.app_context():
        db.session.get(Client, tenant_client.id).security_events_uri = None
        services.remove_member(initech.id, initech.alice.id, initech.carol.id)
        db.session.commit()

    assert rows(accounts_app) == [] and push.requests == []


def test_a_user_without_tokens_at_the_client_is_not_announced(accounts_app, initech, tenant_client, push):
    with accounts_app.app_context():
        services.set_membership(initech.id, initech.dave.id, Role.MEMBER)
        db.session.commit()

    assert push.requests == []


def test_revoking_a_session_sends_session_revoked_for_it(accounts_app, initech, tenant_client, push):
    now = utcnow()
    with accounts_app.app_context():
        db.session.add(carols_session(initech, now))
        db.session.commit()
        end_sessions(initech.carol.id, only="sid-carol", reason="revoked")
        db.session.commit()

    (sent,) = push.sets(accounts_app)
    assert types.SESSION_REVOKED in sent["events"]
    assert sent["sub_id"]["format"] == "complex"
    assert sent["sub_id"]["session"] == {"format": "opaque", "id": "sid-carol"}


def test_a_failed_attempt_is_retried_with_backoff_under_the_same_jti(accounts_app, initech, tenant_client, push):
    push.error = requests.ConnectionError("tenant down")
    with accounts_app.app_context():
        services.remove_member(initech.id, initech.alice.id, initech.carol.id)
        db.session.commit()
    (row,) = rows(accounts_app)
    assert row.status == "pending" and row.attempts == 1 and row.last_error == "ConnectionError"
    assert row.next_attempt_at - row.created_at >= timedelta(seconds=delivery.BACKOFF[0]) - timedelta(seconds=1)

    push.error = None
    with accounts_app.app_context():
        assert delivery.deliver_due(utcnow()) == {}, "not due yet"
        assert delivery.deliver_due(row.next_attempt_at) == {row.id: "delivered"}
        assert delivery.deliver_due(row.next_attempt_at + timedelta(days=1)) == {}, "delivered once"

    first, second = push.sets(accounts_app)
    assert first["jti"] == second["jti"] == row.jti


def test_after_the_last_attempt_the_delivery_is_failed(accounts_app, initech, tenant_client, push):
    push.status = 503
    with accounts_app.app_context():
        services.remove_member(initech.id, initech.alice.id, initech.carol.id)
        db.session.commit()
        (row,) = rows(accounts_app)
        at = utcnow()
        for _ in delivery.BACKOFF:
            at += timedelta(days=1)
            delivery.deliver_due(at)
    (row,) = rows(accounts_app)
    assert row.status == "failed" and row.attempts == len(delivery.BACKOFF) + 1
    assert row.last_error.startswith("HTTP 503")


def test_a_refusal_is_final(accounts_app, initech, tenant_client, push):
    push.status = 400
    with accounts_app.app_context():
        services.remove_member(initech.id, initech.alice.id, initech.carol.id)
        db.session.commit()

    (row,) = rows(accounts_app)
    assert row.status == "failed" and row.attempts == 1
    assert row.last_error == "HTTP 400 invalid_request: no"


def test_a_leased_row_is_not_sent_twice(accounts_app, initech, tenant_client, push):
    push.error = requests.ConnectionError("down")
    with accounts_app.app_context():
        services.remove_member(initech.id, initech.alice.id, initech.carol.id)
        db.session.commit()
        (row,) = rows(accounts_app)
        assert delivery._lease(row.id, row.next_attempt_at) is not None
        assert delivery.deliver(row.id, row.next_attempt_at) == "skipped"


@pytest.mark.parametrize("status", [200, 202])
def test_success_statuses(accounts_app, initech, tenant_client, push, status):
    push.status = status
    with accounts_app.app_context():
        services.remove_member(initech.id, initech.alice.id, initech.carol.id)
        db.session.commit()
    assert [r.status for r in rows(accounts_app)] == ["delivered"]


class FakeQueue:
    """Stands in for RQ's Queue: records the jobs enqueued (or fails like Redis down)."""

    def __init__(self, down: bool = False):
        self.jobs: list[tuple] = []
        self.down = down

    def enqueue(self, job, *args, **kwargs):
        if self.down:
            raise ConnectionError("redis down")
        self.jobs.append((job, *args))


@pytest.mark.parametrize("down", [False, True])
def test_with_redis_the_commit_enqueues_a_job_per_row_and_sends_nothing_itself(
    accounts_app, initech, tenant_client, push, monkeypatch, down
):
    from accounts.security_events import runner
    from accounts.security_events.outbox import RUNNER

    queue = FakeQueue(down)
    rq_runner = runner.RqRunner("redis://unused")
    monkeypatch.setattr(rq_runner, "queue", lambda: queue)
    monkeypatch.setitem(accounts_app.extensions, RUNNER, rq_runner)
    with accounts_app.app_context():
        services.remove_member(initech.id, initech.alice.id, initech.carol.id)
        db.session.commit()

    (row,) = rows(accounts_app)
    assert push.requests == [] and row.status == "pending"
    assert queue.jobs == ([] if down else [(runner.JOB, row.id)])


def test_a_logout_is_staged_with_the_session_end_and_sent_once(accounts_app, initech, tenant_client, monkeypatch):
    from accounts.oidc import backchannel

    posted = []
    monkeypatch.setattr(backchannel, "post_logout_token", lambda uri, token, timeout: posted.append(uri) or 200)
    now = utcnow()
    with accounts_app.app_context():
        db.session.get(Client, tenant_client.id).backchannel_logout_uri = "http://127.0.0.1:9/auth/backchannel-logout"
        db.session.get(Client, tenant_client.id).security_events_uri = None
        db.session.add(carols_session(initech, now))
        db.session.commit()
        end_sessions(initech.carol.id, reason="password-change")
        assert [r.kind for r in db.session.new if isinstance(r, OutboxEvent)] == ["logout"], "staged before the commit"
        db.session.commit()

    (row,) = rows(accounts_app)
    assert row.kind == "logout" and row.sid == "sid-carol" and row.status == "delivered"
    assert posted == ["http://127.0.0.1:9/auth/backchannel-logout"]
