"""Change email (SPEC §2.1): the password again, a link to the new address, a notice to the old one.

Plain functions over the session; none of them commits (the view commits the change with its audit event).
"""

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select

from common.server_session import hash_token

from ..audit.events import Origin, record_event
from ..extensions import db
from . import tokens
from .addresses import is_valid_email, normalise_email
from .models import EmailToken, User
from .passwords import verify_password
from .services import IdentityError, find_user

CHANGE_EMAIL = "change-email"
INVALID_LINK = "This link is invalid, used or expired. Ask for a new one on your account's email page."


@dataclass(frozen=True)
class ChangeRequest:
    """A pending change: the new address, the raw link token, and whether another account already uses it."""

    user: User
    new_email: str
    token: str
    taken: bool


@dataclass(frozen=True)
class EmailChange:
    """A confirmed change: the user (now on the new address) and the address they left."""

    user: User
    old_email: str


def domain_of(email: str) -> str:
    """The part after the last @ (what the audit log may keep of an address)."""
    return email.rpartition("@")[2]


def masked(email: str) -> str:
    """n***@example.com: enough for the owner to recognise, not enough to give the address away."""
    local, _, domain = email.rpartition("@")
    return f"{local[:1]}***@{domain}"


def request_change(
    user: User, new_email: str, password: str, *, params: dict, lifetime: timedelta, now: datetime, origin: Origin
) -> ChangeRequest:
    """Check the password and the address, replace any pending change with this one."""
    ok, _ = verify_password(user.password_hash, password, params)
    if not ok:
        raise IdentityError("Your password is not correct.", "password")
    new_email = normalise_email(new_email)
    if not is_valid_email(new_email) or len(new_email) > 254:
        raise IdentityError("Enter a valid email address.", "email")
    if new_email == user.email:
        raise IdentityError("That is already your email address.", "email")
    # A taken address gets a pending change too (whose link is never sent): the page must look the same.
    record_event(
        "email.change_requested", actor_id=user.id, origin=origin, now=now, details={"domain": domain_of(new_email)}
    )
    return _replace_pending(user, new_email, lifetime=lifetime, now=now)


def pending_change(user_id: int, now: datetime) -> EmailToken | None:
    """The live pending change of a user, if any."""
    return db.session.scalar(
        select(EmailToken)
        .where(
            EmailToken.user_id == user_id,
            EmailToken.purpose == CHANGE_EMAIL,
            EmailToken.used_at.is_(None),
            EmailToken.expires_at > now,
        )
        .order_by(EmailToken.id.desc())
        .limit(1)
    )


def renew_pending(user: User, *, lifetime: timedelta, now: datetime) -> ChangeRequest | None:
    """A fresh link for the pending change (the old link stops working); None if nothing is pending."""
    pending = pending_change(user.id, now)
    if pending is None:
        return None
    return _replace_pending(user, pending.email, lifetime=lifetime, now=now)


def cancel_pending(user: User, *, now: datetime, origin: Origin) -> bool:
    """Withdraw the pending change; False if there was none."""
    if pending_change(user.id, now) is None:
        return False
    tokens.revoke_tokens(user.id, CHANGE_EMAIL, now)
    record_event("email.change_cancelled", actor_id=user.id, origin=origin, now=now)
    return True


def pending_user(raw_token: str, now: datetime) -> tuple[User, str] | None:
    """The user and new address of a live link, without using it up."""
    token = tokens.peek_token(raw_token, CHANGE_EMAIL, now)
    user = db.session.get(User, token.user_id) if token else None
    return (user, token.email) if user else None


def confirm_change(raw_token: str, *, now: datetime, origin: Origin) -> EmailChange:
    """Move the account to the link's address; the token proves the inbox, the password was proved at request."""
    found = pending_user(raw_token, now)
    if found is None:
        raise IdentityError(INVALID_LINK, "token")
    user, new_email = found
    if find_user(new_email) is not None:
        raise IdentityError(f"Another account now uses {new_email}, so your address was not changed.", "email")
    if tokens.consume_token(raw_token, CHANGE_EMAIL, now) is None:
        raise IdentityError(INVALID_LINK, "token")
    old_email = user.email
    user.email = new_email
    user.email_verified_at = now
    # Links mailed to the old inbox must not keep power over the account (OWASP: invalidate on email change).
    for purpose in (CHANGE_EMAIL, tokens.RESET_PASSWORD, tokens.VERIFY_EMAIL):
        tokens.revoke_tokens(user.id, purpose, now)
    record_event(
        "email.changed",
        actor_id=user.id,
        origin=origin,
        now=now,
        details={"old_domain": domain_of(old_email), "new_domain": domain_of(new_email)},
    )
    return EmailChange(user, old_email)


def drop_pending(user_id: int, now: datetime) -> None:
    """Forget a pending change (a new password means whoever asked for it may not have been the owner)."""
    tokens.revoke_tokens(user_id, CHANGE_EMAIL, now)


def _replace_pending(user: User, new_email: str, *, lifetime: timedelta, now: datetime) -> ChangeRequest:
    tokens.revoke_tokens(user.id, CHANGE_EMAIL, now)
    raw = secrets.token_urlsafe(32)
    db.session.add(
        EmailToken(
            token_hash=hash_token(raw),
            purpose=CHANGE_EMAIL,
            user_id=user.id,
            email=new_email,
            created_at=now,
            expires_at=now + lifetime,
        )
    )
    return ChangeRequest(user, new_email, raw, taken=find_user(new_email) is not None)
