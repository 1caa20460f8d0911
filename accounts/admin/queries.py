"""Read queries of the admin console as plain functions: the users list (keyset), a user's page, the dashboard.

Search is a case-insensitive PREFIX match on the email (stored lower-cased) or on the name
(search_name, lower-cased): a range `>= term AND < term-with-last-char+1` that walks a B-tree index
on SQLite and PostgreSQL alike, bound as parameters so a generic prepared plan still uses it.
"""

import base64
import binascii
import json
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from sqlalchemy import and_, exists, func, or_, select
from sqlalchemy.orm import aliased
from sqlalchemy.sql import ColumnElement, Select

from ..audit.models import SecurityEvent
from ..extensions import db
from ..identity.models import User
from ..mfa.models import TotpCredential
from ..oidc.models import Consent
from ..orgs.models import Membership, Organization

PAGE_SIZE = 50
# Counting every match costs O(matches); past this the page says "1,000+" and stays as cheap at 100k users.
COUNT_CAP = 1000
SEARCH_MAX = 100
CURSOR_MAX = 400

SORTS = {
    "newest": (User.created_at, True),
    "oldest": (User.created_at, False),
    "email": (User.email, False),
    "name": (User.search_name, False),
}
# Emails are unique, so the email sort needs no id tie-break (PostgreSQL would add a sort step for one).
UNIQUE_SORTS = {"email"}
ROLES = ("admin", "user")
YES_NO = ("yes", "no")


class BadCursor(ValueError):
    """The cursor in the URL is not one this list made."""


@dataclass(frozen=True)
class UserFilters:
    """What the admin asked the list for; unknown values were already dropped."""

    q: str = ""
    role: str = ""
    banned: str = ""
    mfa: str = ""
    sort: str = "newest"


def clean_filters(args: dict) -> UserFilters:
    """Filters from query-string values; anything unknown means "no filter" (never an error)."""
    q = (args.get("q") or "").strip().lower()[:SEARCH_MAX]
    role = args.get("role") if args.get("role") in ROLES else ""
    banned = args.get("banned") if args.get("banned") in YES_NO else ""
    mfa = args.get("mfa") if args.get("mfa") in YES_NO else ""
    sort = args.get("sort") if args.get("sort") in SORTS else "newest"
    return UserFilters(q=q, role=role, banned=banned, mfa=mfa, sort=sort)


def _prefix(column, term: str) -> ColumnElement[bool]:
    """column starts with term, as an index range (byte order: exact for lower-cased UTF-8 text)."""
    last = term[-1]
    if ord(last) >= 0x10FFFF:
        return column >= term
    return and_(column >= term, column < term[:-1] + chr(ord(last) + 1))


def _banned(now: datetime) -> ColumnElement[bool]:
    # `banned_at IS NOT NULL` spelled out so the partial index ix_users_banned_created_at_id applies.
    return and_(User.banned_at.is_not(None), or_(User.banned_until.is_(None), User.banned_until > now))


def has_second_factor_clause() -> ColumnElement[bool]:
    """EXISTS an enabled TOTP credential (one probe of the unique user_id index per row, never N+1)."""
    return exists().where(TotpCredential.user_id == User.id, TotpCredential.enabled_at.is_not(None))


def _where(filters: UserFilters, now: datetime) -> list[ColumnElement[bool]]:
    clauses: list[ColumnElement[bool]] = []
    if filters.q:
        clauses.append(or_(_prefix(User.email, filters.q), _prefix(User.search_name, filters.q)))
    if filters.role:
        clauses.append(User.site_role == filters.role)
    if filters.banned == "yes":
        clauses.append(_banned(now))
    elif filters.banned == "no":
        clauses.append(or_(User.banned_at.is_(None), and_(User.banned_until.is_not(None), User.banned_until <= now)))
    if filters.mfa == "yes":
        clauses.append(has_second_factor_clause())
    elif filters.mfa == "no":
        clauses.append(~has_second_factor_clause())
    return clauses


def encode_cursor(sort: str, value, user_id: int) -> str:
    """An opaque, URL-safe cursor: the sort it belongs to and the last row's key."""
    if isinstance(value, datetime):
        value = value.isoformat()
    raw = json.dumps([sort, value, user_id], separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str, sort: str):
    """The (value, id) a cursor holds, checked against the sort in use; BadCursor otherwise."""
    if len(cursor) > CURSOR_MAX:
        raise BadCursor("too long")
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        made_for, value, user_id = json.loads(raw)
    except (binascii.Error, ValueError, TypeError) as error:
        raise BadCursor(str(error)) from error
    if made_for != sort or not isinstance(user_id, int) or isinstance(user_id, bool) or not isinstance(value, str):
        raise BadCursor("not for this list")
    if sort in ("newest", "oldest"):
        try:
            value = datetime.fromisoformat(value)
        except ValueError as error:
            raise BadCursor(str(error)) from error
        if value.tzinfo is not None:
            raise BadCursor("aware datetime")
    return value, user_id


def _after(sort: str, value, user_id: int) -> ColumnElement[bool]:
    """(key, id) strictly after (value, user_id) in the sort's direction."""
    column, descending = SORTS[sort]
    if sort in UNIQUE_SORTS:
        return column < value if descending else column > value
    # The leading `<=`/`>=` is a plain index range on both databases; the OR alone would scan from the start.
    if descending:
        return and_(column <= value, or_(column < value, User.id < user_id))
    return and_(column >= value, or_(column > value, User.id > user_id))


def users_page_query(filters: UserFilters, *, now: datetime, after: tuple | None = None) -> Select:
    """The SELECT of one page of the users list (PAGE_SIZE + 1 rows, to know whether there is a next page)."""
    column, descending = SORTS[filters.sort]
    # A LEFT JOIN on the unique user_id, probed per row: an EXISTS in the SELECT list becomes a hashed
    # subplan on PostgreSQL that reads the whole mfa_totp table on every page.
    totp = aliased(TotpCredential)
    query = (
        select(User, totp.enabled_at.is_not(None).label("mfa_on"))
        .outerjoin(totp, totp.user_id == User.id)
        .where(*_where(filters, now))
    )
    if after is not None:
        query = query.where(_after(filters.sort, *after))
    order = (column.desc(), User.id.desc()) if descending else (column.asc(), User.id.asc())
    if filters.sort in UNIQUE_SORTS:
        order = order[:1]
    return query.order_by(*order).limit(PAGE_SIZE + 1)


@dataclass(frozen=True)
class UserRow:
    """One line of the users list."""

    user: User
    mfa_on: bool


@dataclass(frozen=True)
class UsersPage:
    """One page of the users list, the cursor of the next one and the (capped) number of matches."""

    rows: list[UserRow]
    next_cursor: str | None
    count: int
    count_capped: bool


def count_users(filters: UserFilters, *, now: datetime) -> tuple[int, bool]:
    """How many users match, counting at most COUNT_CAP + 1 rows; True when the cap was hit."""
    if filters.mfa == "yes":
        # A join on the unique user_id lets the database walk the (smaller) TOTP rows: probing EXISTS per user
        # would visit ~5 users per match, so the capped count cost more at 100k users than at 1k.
        enabled = and_(TotpCredential.user_id == User.id, TotpCredential.enabled_at.is_not(None))
        query = select(User.id).join(TotpCredential, enabled).where(*_where(replace(filters, mfa=""), now))
    else:
        query = select(User.id).where(*_where(filters, now))
    inner = query.limit(COUNT_CAP + 1).subquery()
    count = db.session.scalar(select(func.count()).select_from(inner)) or 0
    return min(count, COUNT_CAP), count > COUNT_CAP


def users_page(filters: UserFilters, *, now: datetime, cursor: str | None = None) -> UsersPage:
    """One page of users after `cursor` (BadCursor if the cursor is not valid for this sort)."""
    after = decode_cursor(cursor, filters.sort) if cursor else None
    rows = [
        UserRow(user, bool(mfa_on))
        for user, mfa_on in db.session.execute(users_page_query(filters, now=now, after=after))
    ]
    next_cursor = None
    if len(rows) > PAGE_SIZE:
        rows = rows[:PAGE_SIZE]
        last = rows[-1].user
        column, _ = SORTS[filters.sort]
        next_cursor = encode_cursor(filters.sort, getattr(last, column.key), last.id)
    count, capped = count_users(filters, now=now)
    return UsersPage(rows, next_cursor, count, capped)


def admin_count() -> int:
    """How many site admins there are (the last one cannot be demoted)."""
    return db.session.scalar(select(func.count()).select_from(User).where(User.site_role == "admin")) or 0


def memberships(user_id: int) -> list[tuple[Organization, str]]:
    """The user's organizations with their role, by name."""
    rows = db.session.execute(
        select(Organization, Membership.role)
        .join(Membership, Membership.org_id == Organization.id)
        .where(Membership.user_id == user_id)
        .order_by(Organization.name)
    )
    return [(org, role) for org, role in rows]


def consents(user_id: int) -> list[Consent]:
    """The apps the user allowed, with their clients, newest first."""
    return list(
        db.session.scalars(select(Consent).where(Consent.user_id == user_id).order_by(Consent.updated_at.desc()))
    )


def recent_events(user_id: int, limit: int = 20) -> list[SecurityEvent]:
    """The user's latest security events, as actor, subject or impersonating admin, in one query."""
    about = or_(
        SecurityEvent.actor_id == user_id, SecurityEvent.subject_id == user_id, SecurityEvent.impersonator_id == user_id
    )
    return list(db.session.scalars(select(SecurityEvent).where(about).order_by(SecurityEvent.seq.desc()).limit(limit)))


DASHBOARD_EVENTS = ("signin.succeeded", "signin.failed", "mfa.locked_out")


def daily_event_counts(*, now: datetime, days: int = 30) -> dict[str, dict[str, int]]:
    """{event_type: {"YYYY-MM-DD": count}} over the last `days` days, in one grouped query."""
    since = datetime(now.year, now.month, now.day) - timedelta(days=days - 1)
    day = func.date(SecurityEvent.created_at)
    rows = db.session.execute(
        select(SecurityEvent.event_type, day, func.count())
        .where(SecurityEvent.event_type.in_(DASHBOARD_EVENTS), SecurityEvent.created_at >= since)
        .group_by(SecurityEvent.event_type, day)
    )
    counts: dict[str, dict[str, int]] = {name: {} for name in DASHBOARD_EVENTS}
    for event_type, when, count in rows:
        counts[event_type][str(when)[:10]] = count
    return counts
