"""SPEC §2.8: tampering is detectable by a CLI check that names the first broken link."""

import pytest

from accounts.audit import chain as hash_chain
from accounts.audit.verify import Broken, verify_chain
from accounts.extensions import db
from tests.accounts.audit.conftest import chain, raw_sql


def verify(app):
    with app.app_context():
        return verify_chain(db.session)


def run_verify(app):
    return app.test_cli_runner().invoke(args=["audit", "verify"])


def test_an_empty_log_verifies(accounts_app):
    result = verify(accounts_app)
    assert result.ok and result.count == 0 and result.last_hash == "0" * 64


def test_an_intact_chain_verifies_with_its_count_and_last_hash(accounts_app, append):
    append(5)
    result = verify(accounts_app)
    assert result.ok and result.count == 5
    assert result.last_hash == chain(accounts_app)[-1].entry_hash


def test_an_edited_entry_is_named(accounts_app, append):
    append(5)
    target = chain(accounts_app)[2]
    raw_sql(accounts_app, "UPDATE security_events SET ip = '203.0.113.9' WHERE id = :id", id=target.id)
    result = verify(accounts_app)
    assert (result.ok, result.broken_seq, result.broken_id, result.reason) == (False, 3, target.id, Broken.EDITED)
    assert result.count == 2


def test_an_edit_with_a_recomputed_hash_breaks_the_next_link(accounts_app, append):
    append(4)
    edited = chain(accounts_app)[1]
    # Someone who rewrites an entry and its own hash still cannot make the next entry point at it.
    forged = hash_chain.digest(hash_chain.fields_of(edited) | {"ip": None})
    raw_sql(accounts_app, "UPDATE security_events SET ip = NULL, entry_hash = :h WHERE id = :i", h=forged, i=edited.id)
    result = verify(accounts_app)
    assert (result.broken_seq, result.reason) == (3, Broken.MISSING_PREDECESSOR)


def test_a_deleted_entry_is_a_missing_predecessor(accounts_app, append):
    append(5)
    entries = chain(accounts_app)
    raw_sql(accounts_app, "DELETE FROM security_events WHERE id = :id", id=entries[2].id)
    result = verify(accounts_app)
    assert (result.broken_seq, result.broken_id, result.reason) == (4, entries[3].id, Broken.MISSING_PREDECESSOR)


def test_deleting_the_first_entries_is_detected(accounts_app, append):
    append(3)
    raw_sql(accounts_app, "DELETE FROM security_events WHERE seq = 1")
    result = verify(accounts_app)
    assert (result.broken_seq, result.reason) == (2, Broken.MISSING_PREDECESSOR)


def test_two_swapped_entries_are_reordered(accounts_app, append):
    append(6)
    entries = chain(accounts_app)
    a, b = entries[1], entries[4]
    raw_sql(accounts_app, "UPDATE security_events SET seq = -1 WHERE id = :id", id=a.id)
    raw_sql(accounts_app, "UPDATE security_events SET seq = :s WHERE id = :id", s=a.seq, id=b.id)
    raw_sql(accounts_app, "UPDATE security_events SET seq = :s WHERE id = :id", s=b.seq, id=a.id)
    result = verify(accounts_app)
    assert (result.broken_seq, result.broken_id, result.reason) == (2, b.id, Broken.REORDERED)


def test_a_deleted_and_renumbered_entry_is_a_missing_predecessor(accounts_app, append):
    append(4)
    entries = chain(accounts_app)
    raw_sql(accounts_app, "DELETE FROM security_events WHERE id = :id", id=entries[1].id)
    for entry in entries[2:]:
        raw_sql(accounts_app, "UPDATE security_events SET seq = seq - 1 WHERE id = :id", id=entry.id)
    result = verify(accounts_app)
    # Renumbering changes the hashed seq: the first moved entry no longer matches its hash.
    assert not result.ok and result.broken_seq == 2


def test_cli_prints_ok_with_the_count_and_exits_zero(accounts_app, append):
    append(3)
    outcome = run_verify(accounts_app)
    assert outcome.exit_code == 0
    assert outcome.output.startswith("OK: 3 entries") and chain(accounts_app)[-1].entry_hash in outcome.output


@pytest.mark.parametrize(
    ("tamper", "words"),
    [
        ("UPDATE security_events SET event_type = 'rewritten' WHERE seq = 2", "BROKEN at seq 2 (id {id2}): edited"),
        ("DELETE FROM security_events WHERE seq = 2", "BROKEN at seq 3 (id {id3}): missing predecessor"),
    ],
)
def test_cli_names_the_first_broken_link_and_exits_non_zero(accounts_app, append, tamper, words):
    append(4)
    entries = chain(accounts_app)
    raw_sql(accounts_app, tamper)
    outcome = run_verify(accounts_app)
    assert outcome.exit_code == 1
    assert words.format(id2=entries[1].id, id3=entries[2].id) in outcome.output
