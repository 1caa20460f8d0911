"""The migration chains the events recorded before the log had hashes, in id order."""

from datetime import datetime

from flask_migrate import upgrade
from sqlalchemy import text

import accounts
from accounts.audit.events import Origin, record_event
from accounts.audit.verify import verify_chain
from accounts.extensions import db
from common.clock import utcnow
from tests.test_migrations import empty_database

# A row of the table as the previous revision made it (no seq, no hashes).
OLD_INSERT = (
    "INSERT INTO security_events (id, actor_id, event_type, ip, user_agent, created_at, details)"
    " VALUES (:id, NULL, 'mfa.enabled', '127.0.0.1', 'old', :at, :details)"
)


def test_existing_events_are_chained_in_id_order(tmp_path):
    with empty_database(tmp_path) as url:
        app = accounts.create_app({"SQLALCHEMY_DATABASE_URI": url, "TESTING": True})
        with app.app_context():
            upgrade(directory=accounts.MIGRATIONS, revision="c33124a41ae8")
            with db.engine.begin() as conn:
                for number in (1, 2, 3):
                    conn.execute(
                        text(OLD_INSERT),
                        {"id": number * 10, "at": datetime(2026, 1, number, 12, 0, 0, 123456), "details": "{}"},
                    )
            upgrade(directory=accounts.MIGRATIONS)
            # New entries continue the chain and get fresh ids (PostgreSQL's id sequence was moved on).
            record_event("test.after", actor_id=None, origin=Origin(), now=utcnow())
            db.session.commit()
            result = verify_chain(db.session)
            seqs = db.session.execute(text("SELECT id, seq FROM security_events ORDER BY id")).all()
            db.session.remove()
            db.engine.dispose()
    assert result.ok and result.count == 4
    assert [tuple(row) for row in seqs][:3] == [(10, 1), (20, 2), (30, 3)]
    assert seqs[3].id > 30 and seqs[3].seq == 4
