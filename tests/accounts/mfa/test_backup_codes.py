"""Backup codes: each signs in once, they are stored as keyed hashes, and new ones replace the old."""

import hashlib

import pytest
from sqlalchemy import select

from accounts.extensions import db
from accounts.mfa.models import BackupCode
from tests.accounts.mfa.conftest import (
    CHALLENGE,
    enrol,
    events,
    second_step,
    signed_in_record,
    user_id,
)


def sign_in_with(client, auth, enrolled, code: str):
    auth.sign_in(enrolled.email, enrolled.password)
    return second_step(client, code)


def test_backup_code_signs_in_once(accounts_app, client, auth, enrolled):
    code = enrolled.backup_codes[0]
    response = sign_in_with(client, auth, enrolled, code)
    assert response.headers["Location"] == "/"
    assert signed_in_record(accounts_app, client)["amr"] == ["pwd", "otp"]
    assert "You used a backup code; 9 left" in client.get("/").get_data(as_text=True)
    auth.sign_out()
    assert sign_in_with(client, auth, enrolled, code).headers["Location"] == CHALLENGE
    assert "That code is not right" in client.get(CHALLENGE).get_data(as_text=True)


@pytest.mark.parametrize("shape", [str.upper, lambda c: c.replace("-", ""), lambda c: f"  {c[:5]} {c[6:]} "])
def test_backup_code_is_read_forgivingly(client, auth, enrolled, shape):
    assert sign_in_with(client, auth, enrolled, shape(enrolled.backup_codes[3])).headers["Location"] == "/"


def test_backup_code_use_is_audited(accounts_app, client, auth, enrolled):
    sign_in_with(client, auth, enrolled, enrolled.backup_codes[1])
    [event] = events(accounts_app, "mfa.backup_code_used")
    assert event.actor_id == enrolled.id
    assert event.details == {"left": 9}
    assert event.ip == "127.0.0.1"


def test_codes_are_stored_as_keyed_hashes(accounts_app, enrolled):
    with accounts_app.app_context():
        stored = set(db.session.scalars(select(BackupCode.code_hash).where(BackupCode.user_id == enrolled.id)))
    assert len(stored) == 10
    for code in enrolled.backup_codes:
        plain = code.replace("-", "")
        assert not any(plain in h or code in h for h in stored)
        # A plain (unkeyed) hash would let a copied table be brute-forced offline.
        assert hashlib.sha256(plain.encode()).hexdigest() not in stored
        assert hashlib.sha256(f"{enrolled.id}:{plain}".encode()).hexdigest() not in stored


def test_another_users_code_does_not_work(accounts_app, client, auth, enrolled, make_user):
    make_user("carol@example.com", name="Carol")
    _, carol_codes = enrol(accounts_app, user_id(accounts_app, "carol@example.com"))
    assert sign_in_with(client, auth, enrolled, carol_codes[0]).headers["Location"] == CHALLENGE
