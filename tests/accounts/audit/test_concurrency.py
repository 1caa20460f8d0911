"""Appends take turns: writers racing in threads never fork the chain (PostgreSQL advisory lock, SQLite write lock)."""

import threading

from accounts.audit.events import Origin, record_event
from accounts.audit.verify import verify_chain
from accounts.extensions import db
from common.clock import utcnow
from tests.accounts.audit.conftest import chain

THREADS = 8
EVENTS_EACH = 10


def test_concurrent_writers_build_one_unbroken_chain(accounts_app):
    start = threading.Barrier(THREADS)
    failures = []

    def writer(number: int) -> None:
        try:
            with accounts_app.app_context():
                start.wait()
                for index in range(EVENTS_EACH):
                    record_event(
                        "test.concurrent",
                        actor_id=number,
                        origin=Origin(),
                        now=utcnow(),
                        details={"thread": number, "n": index},
                    )
                    db.session.commit()
                db.session.remove()
        except Exception as error:  # noqa: BLE001 (reported by the main thread)
            failures.append(repr(error))

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert failures == []
    entries = chain(accounts_app)
    assert len(entries) == THREADS * EVENTS_EACH
    assert [e.seq for e in entries] == list(range(1, THREADS * EVENTS_EACH + 1))
    assert {(e.details["thread"], e.details["n"]) for e in entries} == {
        (t, n) for t in range(THREADS) for n in range(EVENTS_EACH)
    }
    with accounts_app.app_context():
        result = verify_chain(db.session)
    assert result.ok and result.count == THREADS * EVENTS_EACH
