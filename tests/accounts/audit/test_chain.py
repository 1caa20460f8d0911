"""SPEC §2.8: each entry carries the hash of the one before; no foreign key lets the database edit one."""

import hashlib
import json
from datetime import datetime

import pytest
from sqlalchemy import inspect, select

from accounts.audit import chain as hash_chain
from accounts.audit.events import Origin, record_event
from accounts.audit.models import SecurityEvent
from accounts.extensions import db
from accounts.identity.models import User
from accounts.orgs.models import Membership, Organization
from common.clock import utcnow
from tests.accounts.audit.conftest import chain


def test_first_entry_follows_sixty_four_zeros_and_each_next_links_to_its_predecessor(accounts_app, append):
    append(3)
    entries = chain(accounts_app)
    assert [e.seq for e in entries] == [1, 2, 3]
    assert entries[0].prev_hash == "0" * 64
    assert [e.prev_hash for e in entries[1:]] == [e.entry_hash for e in entries[:-1]]


def test_entry_hash_is_sha256_of_the_canonical_json_of_its_fields(accounts_app, append):
    append(1, actor_id=7, subject_id=8, org_id=9, details={"ü": "ß", "a": [1, 2]})
    entry = chain(accounts_app)[0]
    expected = json.dumps(
        {
            "seq": 1,
            "event_type": "test.event",
            "actor_id": 7,
            "impersonator_id": None,
            "subject_id": 8,
            "org_id": 9,
            "ip": "192.0.2.1",
            "user_agent": "pytest",
            "created_at": entry.created_at.isoformat(timespec="microseconds"),
            "details": {"a": [1, 2], "ü": "ß"},
            "prev_hash": "0" * 64,
        },
        sort_keys=True,
        separators=(",", ":"),
        ensure_ascii=False,
    )
    assert entry.entry_hash == hashlib.sha256(expected.encode()).hexdigest()


def test_every_field_is_covered_by_the_hash():
    base = {name: None for name in hash_chain.HASHED_FIELDS} | {"seq": 1, "prev_hash": "0" * 64}
    base |= {"created_at": datetime(2026, 1, 1), "details": {}, "event_type": "x", "user_agent": ""}
    changed = {
        "seq": 2,
        "event_type": "y",
        "actor_id": 1,
        "impersonator_id": 1,
        "subject_id": 1,
        "org_id": 1,
        "ip": "::1",
        "user_agent": "other",
        "created_at": datetime(2026, 1, 1, 0, 0, 0, 1),
        "details": {"k": 1},
        "prev_hash": "f" * 64,
    }
    assert set(changed) == set(hash_chain.HASHED_FIELDS)
    for name, value in changed.items():
        assert hash_chain.digest(base | {name: value}) != hash_chain.digest(base), name


def test_impersonator_and_subject_are_stored_beside_the_actor(accounts_app):
    with accounts_app.app_context():
        record_event(
            "admin.role_changed",
            actor_id=5,
            origin=Origin("198.51.100.2", "Firefox", impersonator_id=1),
            now=utcnow(),
            subject_id=6,
            org_id=3,
        )
        db.session.commit()
    entry = chain(accounts_app)[0]
    assert (entry.actor_id, entry.impersonator_id, entry.subject_id, entry.org_id) == (5, 1, 6, 3)
    assert (entry.ip, entry.user_agent) == ("198.51.100.2", "Firefox")


def test_the_table_has_no_foreign_keys(accounts_app):
    assert SecurityEvent.__table__.foreign_keys == set()
    with accounts_app.app_context():
        assert inspect(db.engine).get_foreign_keys("security_events") == []


def test_seq_and_prev_hash_are_unique_so_the_chain_cannot_fork(accounts_app):
    with accounts_app.app_context():
        unique = {tuple(c["column_names"]) for c in inspect(db.engine).get_unique_constraints("security_events")}
    assert {("seq",), ("prev_hash",)} <= unique


def test_deleting_a_user_leaves_their_events_untouched(accounts_app, make_user, append):
    user = make_user("gone@example.com")
    append(2, actor_id=user.id, subject_id=user.id)
    before = [(e.id, e.actor_id, e.subject_id, e.entry_hash) for e in chain(accounts_app)]
    with accounts_app.app_context():
        # Children first, as an account deletion would (SQLite enforces no cascade here).
        db.session.execute(Membership.__table__.delete().where(Membership.user_id == user.id))
        db.session.execute(Organization.__table__.delete().where(Organization.personal_user_id == user.id))
        db.session.delete(db.session.get(User, user.id))
        db.session.commit()
        assert db.session.scalar(select(User).where(User.id == user.id)) is None
    assert [(e.id, e.actor_id, e.subject_id, e.entry_hash) for e in chain(accounts_app)] == before


def test_the_application_cannot_edit_or_remove_an_entry(accounts_app, append):
    append(1)
    with accounts_app.app_context():
        entry = db.session.scalar(select(SecurityEvent))
        entry.details = {"rewritten": True}
        with pytest.raises(PermissionError):
            db.session.commit()
        db.session.rollback()
        with pytest.raises(PermissionError):
            db.session.delete(db.session.scalar(select(SecurityEvent)))
            db.session.commit()


def test_two_events_in_one_transaction_chain_in_order(accounts_app):
    with accounts_app.app_context():
        first = record_event("test.one", actor_id=None, origin=Origin(), now=utcnow())
        second = record_event("test.two", actor_id=None, origin=Origin(), now=utcnow())
        db.session.commit()
        assert (first.seq, second.seq) == (1, 2) and second.prev_hash == first.entry_hash
