"""Identity rules as plain functions: sign-up, verification, sign-in, reset, change password.

Callers commit. Each function stages its changes; the view commits them once.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache

from sqlalchemy import bindparam, select
from sqlalchemy.exc import IntegrityError

from common.clock import utcnow

from ..extensions import db
from . import tokens
from .addresses import normalise_email
from .models import User
from .passwords import burn_verification_time, hash_password, password_problems, verify_password
from .signals import password_changed


class AccountBanned(Exception):
    """The password was right but an admin suspended the account (until `until`, or indefinitely)."""

    def __init__(self, until: datetime | None):
        super().__init__(
            f"This account is suspended until {until:%Y-%m-%d %H:%M} UTC." if until else "This account is suspended."
        )
        self.until = until


class IdentityError(Exception):
    """A rule refused the request; the message is safe to show the user next to `field`."""

    def __init__(self, message: str, field: str = "password"):
        super().__init__(message)
        self.field = field


def find_user(email: str) -> User | None:
    """The user with this email, if any."""
    return db.session.scalar(_user_by_email(), {"email": normalise_email(email)})


@cache
def _user_by_email():
    # Built once with a bound parameter: every sign-in, sign-up and reset looks the address up.
    return select(User).where(User.email == bindparam("email"))


@dataclass(frozen=True)
class SignUpResult:
    """What sign-up did: a new user with a verification token, or an existing address."""

    user: User
    created: bool
    token: str | None


def sign_up(name: str, email: str, password: str, *, params: dict, lifetime: timedelta, now: datetime) -> SignUpResult:
    """Register a user, or report that the address is taken (the caller must not reveal which)."""
    email = normalise_email(email)
    problems = password_problems(password, email=email, name=name)
    if problems:
        raise IdentityError(problems[0])
    existing = find_user(email)
    password_hash = hash_password(password, params)  # same work either way: no timing oracle
    if existing is not None:
        return SignUpResult(existing, False, None)
    user = User(email=email, name=name.strip(), password_hash=password_hash, created_at=now, password_changed_at=now)
    db.session.add(user)
    try:
        db.session.flush()
    except IntegrityError:
        # A concurrent sign-up took the address after our check: the unique index decides, the answer stays alike.
        db.session.rollback()
        return SignUpResult(find_user(email), False, None)
    return SignUpResult(user, True, tokens.issue_token(user, tokens.VERIFY_EMAIL, lifetime, now))


def verify_email(raw_token: str, now: datetime) -> User | None:
    """Mark the address of a valid verification link as verified."""
    token = tokens.consume_token(raw_token, tokens.VERIFY_EMAIL, now)
    if token is None:
        return None
    user = db.session.get(User, token.user_id)
    if user is None or user.email != token.email:
        db.session.rollback()
        return None
    user.email_verified_at = user.email_verified_at or now
    return user


def authenticate(email: str, password: str, *, params: dict, now: datetime | None = None) -> User | None:
    """The user if email and password match; rehashes when the cost parameters changed; refuses a banned user."""
    if len(password) > 1024:
        return None
    user = find_user(email)
    if user is None or not user.has_password:
        burn_verification_time(password, params)  # an account without a password answers as slowly
        return None
    ok, new_hash = verify_password(user.password_hash, password, params)
    if not ok:
        return None
    if new_hash:
        user.password_hash = new_hash  # committed by the sign-in, banned or not
    # Checked only after the password matched: a ban must not reveal that an address is registered.
    if user.is_banned(now or utcnow()):
        raise AccountBanned(user.banned_until)
    return user


def new_verification_token(user: User, *, lifetime: timedelta, now: datetime) -> str:
    """A fresh verification link token for an unverified user."""
    return tokens.issue_token(user, tokens.VERIFY_EMAIL, lifetime, now)


def start_password_reset(email: str, *, lifetime: timedelta, now: datetime) -> tuple[User, str] | None:
    """A reset token for the user with this email, or None (the caller shows the same page)."""
    user = find_user(email)
    if user is None:
        return None
    return user, tokens.issue_token(user, tokens.RESET_PASSWORD, lifetime, now)


def reset_password_user(raw_token: str, now: datetime) -> User | None:
    """The user a live reset link belongs to, without using the link up."""
    token = tokens.peek_token(raw_token, tokens.RESET_PASSWORD, now)
    return db.session.get(User, token.user_id) if token else None


def reset_password(raw_token: str, new_password: str, *, params: dict, now: datetime) -> User:
    """Set a new password through a reset link, which is used up."""
    user = reset_password_user(raw_token, now)
    if user is None:
        raise IdentityError("This reset link is invalid, used or expired. Ask for a new one.")
    problems = password_problems(new_password, email=user.email, name=user.name)
    if problems:
        raise IdentityError(problems[0])
    if tokens.consume_token(raw_token, tokens.RESET_PASSWORD, now) is None:
        raise IdentityError("This reset link is invalid, used or expired. Ask for a new one.")
    _set_password(user, new_password, params, now)
    # Receiving the link proves the inbox is the user's.
    user.email_verified_at = user.email_verified_at or now
    return user


def change_password(user: User, current: str, new: str, *, params: dict, now: datetime) -> None:
    """Change the password after checking the current one."""
    ok, _ = verify_password(user.password_hash, current, params)
    if not ok:
        raise IdentityError("Your current password is not correct.", "current_password")
    problems = password_problems(new, email=user.email, name=user.name)
    if problems:
        raise IdentityError(problems[0])
    _set_password(user, new, params, now)


def _set_password(user: User, password: str, params: dict, now: datetime) -> None:
    user.password_hash = hash_password(password, params)
    user.password_changed_at = now
    tokens.revoke_tokens(user.id, tokens.RESET_PASSWORD, now)
    password_changed.send(None, user_id=user.id)
