"""Magic-link rules as plain functions: who gets a link, and when a link may sign its browser in.

Callers commit. A link is random (only its hash is stored), single use, expires, and is bound to the
browser that asked: that browser holds a random value in a cookie whose hash is stored with the link.
"""

import secrets
import string
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, select, update

from common.server_session import hash_token

from ..audit.events import Origin, record_event
from ..extensions import db
from ..identity.models import User
from ..identity.services import find_user
from ..mfa.lockout import LockoutPolicy, locked_until
from .models import MagicLink

# 32 random bytes (256 bits) for the link and for the browser value alike: neither can be guessed.
TOKEN_BYTES = 32
# token_urlsafe(32) is 43 characters; anything much longer is not one of ours and is not even hashed.
MAX_TOKEN_LENGTH = 64
URL_SAFE = frozenset(string.ascii_letters + string.digits + "-_")

# Why a link was refused; each has its own page (views.py) and, for a known link, an audit event.
UNKNOWN = "unknown"
EXPIRED = "expired"
USED = "used"
OTHER_BROWSER = "other-browser"
BANNED = "banned"


class LinkRefused(Exception):
    """The link cannot sign this browser in; `reason` says why, `user_id` whose link it was (if known)."""

    def __init__(self, reason: str, user_id: int | None = None):
        super().__init__(reason)
        self.reason = reason
        self.user_id = user_id


@dataclass(frozen=True)
class RequestedLink:
    """A link to mail: the user and the raw token for the URL (never stored)."""

    user: User
    token: str


def is_well_formed(value: str | None) -> bool:
    """True for a value that could be one of our tokens or browser values (URL-safe base64, bounded)."""
    return bool(value) and len(value) <= MAX_TOKEN_LENGTH and set(value) <= URL_SAFE


def browser_value(existing: str | None) -> str:
    """The value this browser's cookie should hold: the one it has (so earlier links stay good), or a new one."""
    return existing if is_well_formed(existing) else secrets.token_urlsafe(TOKEN_BYTES)


def may_get_link(user: User | None, *, lockout: LockoutPolicy, now: datetime) -> bool:
    """A link is mailed only to a confirmed account that is neither banned nor locked out of its second factor."""
    if user is None or user.email_verified_at is None or user.is_banned(now):
        return False
    return locked_until(user.id, lockout, now) is None


def request_link(
    email: str,
    *,
    browser: str,
    next_url: str,
    lifetime: timedelta,
    lockout: LockoutPolicy,
    origin: Origin,
    now: datetime,
) -> RequestedLink | None:
    """A link for the account with this address, or None (the caller answers the same either way)."""
    token = secrets.token_urlsafe(TOKEN_BYTES)  # made for unknown addresses too: the same work either way
    token_hash, browser_hash = hash_token(token), hash_token(browser)
    user = find_user(email)
    if not may_get_link(user, lockout=lockout, now=now):
        return None
    db.session.add(
        MagicLink(
            token_hash=token_hash,
            browser_hash=browser_hash,
            user_id=user.id,
            email=user.email,
            next_url=next_url,
            created_at=now,
            expires_at=now + lifetime,
        )
    )
    record_event("signin.link_requested", actor_id=user.id, origin=origin, now=now)
    return RequestedLink(user, token)


def check_link(token: str, browser: str | None, now: datetime) -> MagicLink:
    """The live link for this token, opened in the browser that asked for it; LinkRefused otherwise. Spends nothing."""
    link = _find(token)
    if link is None:
        raise LinkRefused(UNKNOWN)
    if link.used_at is not None:
        raise LinkRefused(USED, link.user_id)
    if now >= link.expires_at:
        raise LinkRefused(EXPIRED, link.user_id)
    if not is_well_formed(browser) or not secrets.compare_digest(hash_token(browser), link.browser_hash):
        raise LinkRefused(OTHER_BROWSER, link.user_id)
    return link


def spend_link(token: str, browser: str | None, *, origin: Origin, now: datetime) -> tuple[User, str]:
    """Use the link up and return its user and where to go next; LinkRefused if it may not sign in."""
    link = check_link(token, browser, now)
    # A conditional UPDATE keeps "single use" true when two requests race with the same link.
    claimed = db.session.execute(
        update(MagicLink).where(MagicLink.id == link.id, MagicLink.used_at.is_(None)).values(used_at=now)
    )
    if claimed.rowcount != 1:
        raise LinkRefused(USED, link.user_id)
    user = db.session.get(User, link.user_id)
    if user is None or user.email != link.email:
        raise LinkRefused(UNKNOWN)  # the account moved to another address since the link was mailed
    if user.is_banned(now):
        raise LinkRefused(BANNED, user.id)
    record_event("signin.link_used", actor_id=user.id, origin=origin, now=now)
    return user, link.next_url


def record_refusal(refused: LinkRefused, *, origin: Origin, now: datetime) -> None:
    """Audit a refused link of a known account in its security history (unknown tokens name nobody)."""
    if refused.user_id is None:
        return
    details = {"why": f"magic-link-{refused.reason}"}
    record_event("signin.failed", actor_id=refused.user_id, origin=origin, now=now, details=details)


def purge_expired(now: datetime) -> int:
    """Delete links past their expiry (used or not: neither can sign in again)."""
    return db.session.execute(delete(MagicLink).where(MagicLink.expires_at < now)).rowcount


def _find(token: str) -> MagicLink | None:
    if not is_well_formed(token):
        return None
    return db.session.scalar(select(MagicLink).where(MagicLink.token_hash == hash_token(token)))
