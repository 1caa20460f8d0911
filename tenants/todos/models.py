"""A todo belongs to one tenant site and one organization; the tenant knows its author only by `sub`."""

from datetime import date, datetime

from sqlalchemy import CheckConstraint, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db

TITLE_MAX = 200
NOTES_MAX = 10_000
PRIVATE = "private"
ORG = "org"
VISIBILITIES = (PRIVATE, ORG)


class Todo(db.Model):
    """One todo: private to its author, or shared with every member of its org."""

    __tablename__ = "todos"
    __table_args__ = (
        # Keyset pagination walks (site, org_id) newest first: one index range scan per page (SPEC §3.2).
        Index("ix_todos_site_org_created", "site", "org_id", "created_at", "id"),
        # "Mine" lists and private-todo lookups of one author stay on an index too.
        Index("ix_todos_site_org_author_created", "site", "org_id", "author_sub", "created_at", "id"),
        CheckConstraint("visibility IN ('private', 'org')", name="visibility"),
        CheckConstraint(f"length(title) BETWEEN 1 AND {TITLE_MAX}", name="title_length"),
    )

    # A random public id, not a counter: ids shared by Acme and Globex must not reveal how busy the other is.
    id: Mapped[str] = mapped_column(String(22), primary_key=True)
    site: Mapped[str] = mapped_column(String(40))
    # The org's id exactly as the provider's `orgs` claim names it (tenants never read Accounts tables).
    org_id: Mapped[str] = mapped_column(String(255))
    author_sub: Mapped[str] = mapped_column(String(255))
    # The author's name from their claims when they wrote it: shown to the org, never looked up.
    author_name: Mapped[str] = mapped_column(String(200), default="")
    title: Mapped[str] = mapped_column(String(TITLE_MAX))
    notes: Mapped[str] = mapped_column(Text, default="")
    done: Mapped[bool] = mapped_column(default=False)
    due_date: Mapped[date | None]
    visibility: Mapped[str] = mapped_column(String(10))
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
