"""Reading the log for the audit pages: filters from query strings, newest-first pages by seq (keyset)."""

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from sqlalchemy import or_, select
from sqlalchemy.orm import contains_eager

from ..extensions import db
from ..identity.models import User
from ..identity.services import normalise_email
from ..orgs.models import Membership, Organization
from ..orgs.rules import SLUG_MAX, SLUG_RE
from .catalog import EVENT_TYPES, describe
from .models import SecurityEvent

PAGE_SIZE = 50
# Ids are 32-bit integer columns: a larger number could never match, and PostgreSQL would refuse it.
MAX_ID = 2**31 - 1
MAX_SEQ = 2**63 - 1
EVENT_TYPE_RE = re.compile(r"[a-z][a-z_]*(?:\.[a-z_]+)*")
EMAIL_MAX = 254


@dataclass(frozen=True)
class AuditFilter:
    """What the reader asked to see; None means no restriction."""

    event_type: str | None = None
    user_id: int | None = None
    user_email: str | None = None
    org_id: int | None = None
    org_slug: str | None = None
    start: date | None = None
    end: date | None = None
    before: int | None = None


def _id(text: str) -> int | None:
    """A positive id that fits the columns, or None."""
    return int(text) if text.isascii() and text.isdigit() and 0 < int(text) <= MAX_ID else None


def _day(text: str) -> date | None:
    """A YYYY-MM-DD date, or None."""
    try:
        return date.fromisoformat(text) if len(text) == 10 else None
    except ValueError:
        return None


def parse_filters(args: Mapping[str, str], *, allow_org: bool) -> tuple[AuditFilter, list[str]]:
    """Filters from a query string, and a message for each value that was ignored because it made no sense."""
    values, problems = {}, []
    get = lambda name: (args.get(name) or "").strip()  # noqa: E731
    if kind := get("type"):
        if len(kind) <= 50 and EVENT_TYPE_RE.fullmatch(kind):
            values["event_type"] = kind
        else:
            problems.append("That event type does not exist; showing every type.")
    if who := get("user"):
        if "@" in who and len(who) <= EMAIL_MAX:
            values["user_email"] = normalise_email(who)
        elif (user_id := _id(who)) is not None:
            values["user_id"] = user_id
        else:
            problems.append("Enter a user's email address or numeric id; showing every user.")
    if allow_org and (org := get("org")):
        if (org_id := _id(org)) is not None:
            values["org_id"] = org_id
        elif len(org) <= SLUG_MAX and SLUG_RE.fullmatch(org):
            values["org_slug"] = org
        else:
            problems.append("Enter an organization's slug or numeric id; showing every organization.")
    for name, label in (("start", "From"), ("end", "To")):
        if text := get(name):
            if (day := _day(text)) is not None:
                values[name] = day
            else:
                problems.append(f"“{label}” must be a date like 2026-01-31; it was ignored.")
    if values.get("start") and values.get("end") and values["start"] > values["end"]:
        problems.append("“From” is after “To”: no event can match.")
    if before := get("before"):
        if before.isascii() and before.isdigit() and int(before) <= MAX_SEQ:
            values["before"] = int(before)
        else:
            problems.append("That page link is broken; showing the newest events.")
    return AuditFilter(**values), problems


@dataclass(frozen=True)
class Person:
    """A user as the log shows them; name and email are None once the account is gone."""

    id: int
    name: str | None = None
    email: str | None = None


@dataclass(frozen=True)
class AuditRow:
    """One table row: the entry, its description, and the people and org it names."""

    entry: SecurityEvent
    description: str
    actor: Person | None
    impersonator: Person | None
    subject: Person | None
    org: Organization | None
    details: list[tuple[str, str]]


@dataclass(frozen=True)
class AuditPage:
    """A page of rows, newest first, and the seq to continue from (None on the last page)."""

    rows: list[AuditRow] = field(default_factory=list)
    next_before: int | None = None


def _user_id(filters: AuditFilter) -> int | None:
    """The user the filter names, by id or email; 0 (matches nobody) for an unknown email."""
    if filters.user_email is None:
        return filters.user_id
    return db.session.scalar(select(User.id).where(User.email == filters.user_email)) or 0


def _org_id(filters: AuditFilter) -> int | None:
    """The org the filter names, by id or slug; 0 (matches nothing) for an unknown slug."""
    if filters.org_slug is None:
        return filters.org_id
    return db.session.scalar(select(Organization.id).where(Organization.slug == filters.org_slug)) or 0


def events_page(filters: AuditFilter, *, org_id: int | None = None) -> AuditPage:
    """One page of events matching the filters (within one org if org_id is given), newest first."""
    query = select(SecurityEvent).order_by(SecurityEvent.seq.desc()).limit(PAGE_SIZE + 1)
    scope = org_id if org_id is not None else _org_id(filters)
    if scope is not None:
        query = query.where(SecurityEvent.org_id == scope)
    if filters.event_type:
        query = query.where(SecurityEvent.event_type == filters.event_type)
    if (user_id := _user_id(filters)) is not None:
        query = query.where(
            or_(
                SecurityEvent.actor_id == user_id,
                SecurityEvent.impersonator_id == user_id,
                SecurityEvent.subject_id == user_id,
            )
        )
    if filters.start:
        query = query.where(SecurityEvent.created_at >= datetime.combine(filters.start, time.min))
    if filters.end:
        query = query.where(SecurityEvent.created_at < datetime.combine(filters.end + timedelta(days=1), time.min))
    if filters.before is not None:
        query = query.where(SecurityEvent.seq < filters.before)
    entries = list(db.session.scalars(query))
    more = len(entries) > PAGE_SIZE
    entries = entries[:PAGE_SIZE]
    return AuditPage(rows=_rows(entries), next_before=entries[-1].seq if more else None)


def _rows(entries: list[SecurityEvent]) -> list[AuditRow]:
    """Rows with the page's users and orgs loaded in one query each (no query per row)."""
    ids = {i for e in entries for i in (e.actor_id, e.impersonator_id, e.subject_id) if i is not None}
    people = (
        {
            row.id: Person(row.id, row.name, row.email)
            for row in db.session.execute(select(User.id, User.name, User.email).where(User.id.in_(ids)))
        }
        if ids
        else {}
    )
    org_ids = {e.org_id for e in entries if e.org_id is not None}
    orgs = (
        {o.id: o for o in db.session.scalars(select(Organization).where(Organization.id.in_(org_ids)))}
        if org_ids
        else {}
    )

    def person(user_id: int | None) -> Person | None:
        return None if user_id is None else people.get(user_id, Person(user_id))

    return [
        AuditRow(
            entry=e,
            description=describe(e.event_type),
            actor=person(e.actor_id),
            impersonator=person(e.impersonator_id),
            subject=person(e.subject_id),
            org=orgs.get(e.org_id) if e.org_id is not None else None,
            details=shown_details(e.details),
        )
        for e in entries
    ]


def shown_details(details: dict) -> list[tuple[str, str]]:
    """Details as (key, words) pairs sorted by key: lists joined, flags and blanks in words."""

    def words(value) -> str:
        if value is None or value == [] or value == "":
            return "—"
        if isinstance(value, bool):
            return "yes" if value else "no"
        if isinstance(value, list):
            return ", ".join(words(item) for item in value)
        return str(value)

    return [(str(key).replace("_", " "), words(value)) for key, value in sorted(details.items())]


def org_membership(org_id: int, user_id: int) -> Membership | None:
    """The user's membership in the org with this id, org loaded; None if they are not in it."""
    if not 0 < org_id <= MAX_ID:
        return None
    return db.session.scalar(
        select(Membership)
        .join(Membership.org)
        .options(contains_eager(Membership.org))
        .where(Membership.org_id == org_id, Membership.user_id == user_id)
    )


def event_type_choices() -> list[tuple[str, str]]:
    """(type, description) for the filter's menu, in catalog order."""
    return list(EVENT_TYPES.items())
