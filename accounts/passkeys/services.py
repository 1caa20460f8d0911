"""Passkey rules as plain functions: register, list, rename, remove, and check a sign-in with one.

Callers commit. A refused sign-in leaves nothing to commit but its spent challenge and audit event.
"""

import secrets
from datetime import datetime

from sqlalchemy import select

from ..audit.events import Origin, record_event
from ..extensions import db
from ..identity.models import User
from ..identity.passwords import verify_password
from ..security_events import outbox
from . import ceremonies, challenges
from .ceremonies import PasskeyError, RelyingParty
from .models import PasskeyCredential, PasskeyUserHandle

MAX_NAME = 60
REGISTER, SIGN_IN = "register", "sign-in"


def user_handle(user_id: int) -> bytes:
    """The account's WebAuthn user handle, made on first need."""
    row = db.session.get(PasskeyUserHandle, user_id)
    if row is None:
        row = PasskeyUserHandle(user_id=user_id, handle=secrets.token_bytes(32))
        db.session.add(row)
    return row.handle


def passkeys_of(user_id: int) -> list[PasskeyCredential]:
    """The user's passkeys, oldest first."""
    query = select(PasskeyCredential).where(PasskeyCredential.user_id == user_id).order_by(PasskeyCredential.id)
    return list(db.session.scalars(query))


def has_passkey(user_id: int) -> bool:
    """True if the user registered at least one passkey."""
    query = select(PasskeyCredential.id).where(PasskeyCredential.user_id == user_id).limit(1)
    return db.session.scalar(query) is not None


def amr_for(passkey: PasskeyCredential) -> list[str]:
    """RFC 8176 methods of a passkey sign-in: a key (hardware-bound, or synced software) plus user verification."""
    return ["swk" if passkey.backup_eligible else "hwk", "user"]


def clean_name(name: str | None) -> str:
    """A passkey's name as stored: trimmed, one line, not empty, at most MAX_NAME characters."""
    cleaned = " ".join((name or "").split())
    if not cleaned:
        raise PasskeyError("Give the passkey a name, such as the device it is on.")
    if len(cleaned) > MAX_NAME:
        raise PasskeyError(f"A passkey name has at most {MAX_NAME} characters.")
    return cleaned


def start_registration(user: User, rp: RelyingParty, *, now: datetime) -> tuple[str, str]:
    """Options for navigator.credentials.create() and their challenge (for the session), stored for this user."""
    challenge = challenges.issue(REGISTER, user_id=user.id, now=now)
    exclude = [p.credential_id for p in passkeys_of(user.id)]
    return ceremonies.encode(challenge), ceremonies.registration_options(
        rp,
        challenge=challenge,
        user_handle=user_handle(user.id),
        user_name=user.email,
        display_name=user.name,
        exclude=exclude,
    )


def finish_registration(
    user: User,
    rp: RelyingParty,
    response: dict,
    *,
    challenge: str | None,
    name: str | None,
    origin: Origin,
    now: datetime,
) -> PasskeyCredential:
    """Check the create() answer against the challenge this browser was given, and store the passkey."""
    label = clean_name(name)
    expected = challenges.spend(challenge, REGISTER, user_id=user.id, now=now)
    new = ceremonies.verify_registration(rp, response, challenge=expected)
    taken = select(PasskeyCredential.id).where(PasskeyCredential.credential_id == new.credential_id)
    if db.session.scalar(taken) is not None:
        raise PasskeyError("That passkey is already registered.")
    passkey = PasskeyCredential(
        user_id=user.id,
        credential_id=new.credential_id,
        public_key=new.public_key,
        sign_count=new.sign_count,
        transports=new.transports,
        backup_eligible=new.backup_eligible,
        backed_up=new.backed_up,
        name=label,
        created_at=now,
    )
    db.session.add(passkey)
    db.session.flush()
    record_event("passkey.registered", actor_id=user.id, origin=origin, now=now, details={"passkey_id": passkey.id})
    outbox.credential_changed(user.id, now, credential_type="fido2-platform", change_type="create")
    return passkey


def rename(user_id: int, passkey_id: int, name: str | None) -> PasskeyCredential | None:
    """Give one of the user's passkeys a new name; None if the user has no such passkey."""
    passkey = _own(user_id, passkey_id)
    if passkey is not None:
        passkey.name = clean_name(name)
    return passkey


def remove(user: User, passkey_id: int, password: str, *, params: dict, origin: Origin, now: datetime) -> bool:
    """Delete one of the user's passkeys after the password again; False if the user has no such passkey."""
    ok = bool(password) and len(password) <= 1024 and verify_password(user.password_hash, password, params)[0]
    if not ok:
        raise PasskeyError("Your password is not correct.")
    passkey = _own(user.id, passkey_id)
    if passkey is None:
        return False
    db.session.delete(passkey)
    record_event("passkey.removed", actor_id=user.id, origin=origin, now=now, details={"passkey_id": passkey_id})
    outbox.credential_changed(user.id, now, credential_type="fido2-platform", change_type="delete")
    return True


def remove_all(user_id: int, *, now: datetime) -> int:
    """Delete every passkey of the user (an admin's reset of a lost device); how many went."""
    gone = passkeys_of(user_id)
    for passkey in gone:
        db.session.delete(passkey)
    if gone:
        outbox.credential_changed(user_id, now, credential_type="fido2-platform", change_type="delete")
    return len(gone)


def start_sign_in(rp: RelyingParty, *, user_id: int | None, now: datetime) -> tuple[str, str]:
    """Options for navigator.credentials.get() and their challenge: any passkey here, or (second step) the user's."""
    challenge = challenges.issue(SIGN_IN, user_id=user_id, now=now)
    allow = [p.credential_id for p in passkeys_of(user_id)] if user_id is not None else None
    return ceremonies.encode(challenge), ceremonies.authentication_options(rp, challenge=challenge, allow=allow)


def finish_sign_in(
    rp: RelyingParty, response: dict, *, challenge: str | None, user_id: int | None, now: datetime
) -> PasskeyCredential:
    """The stored passkey a get() answer to this browser's challenge proves, its counter moved on; else PasskeyError."""
    expected = challenges.spend(challenge, SIGN_IN, user_id=user_id, now=now)
    passkey = db.session.scalar(
        select(PasskeyCredential).where(PasskeyCredential.credential_id == ceremonies.credential_id_of(response))
    )
    # A second step must be the user's own passkey; a discoverable one must carry its account's handle.
    if passkey is None or (user_id is not None and passkey.user_id != user_id):
        raise PasskeyError("This passkey is not registered here.")
    handle = ceremonies.user_handle_of(response)
    if handle is not None and handle != user_handle(passkey.user_id):
        raise PasskeyError("This passkey is not registered here.")
    assertion = ceremonies.verify_authentication(
        rp, response, challenge=expected, public_key=passkey.public_key, sign_count=passkey.sign_count
    )
    passkey.sign_count = assertion.new_sign_count
    passkey.backed_up = assertion.backed_up
    passkey.last_used_at = now
    return passkey


def _own(user_id: int, passkey_id: int) -> PasskeyCredential | None:
    """One passkey, only if it is this user's (never fetched by id alone)."""
    query = select(PasskeyCredential).where(PasskeyCredential.id == passkey_id, PasskeyCredential.user_id == user_id)
    return db.session.scalar(query)
