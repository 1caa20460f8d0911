"""A todo belongs to one tenant site and one organization of one issuer; its author is known only by `iss`+`sub`."""

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
        # Keyset pages walk an index newest first whose other columns are all fixed by equality (SPEC §3.2):
        # the org's shared todos here, one author's todos below. No index of the org alone, which the
        # planner picked for "mine" without statistics and then filtered the whole org through.
        Index("ix_todos_site_iss_org_visibility_created", "site", "iss", "org_id", "visibility", "created_at", "id"),
        Index("ix_todos_site_iss_org_author_created", "site", "iss", "org_id", "author_sub", "created_at", "id"),
        CheckConstraint("visibility IN ('private', 'org')", name="visibility"),
        CheckConstraint(f"length(title) BETWEEN 1 AND {TITLE_MAX}", name="title_length"),
    )

    # A random public id, not a counter: ids shared by Acme and Globex must not reveal how busy the other is.
    id: Mapped[str] = mapped_column(String(22), primary_key=True)
    site: Mapped[str] = mapped_column(String(40))
    # OIDC Core §5.7: org ids and subs are the issuer's names; another issuer's org "5" is another org.
    iss: Mapped[str] = mapped_column(String(255))
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


class LastActiveOrg(db.Model):
    """The org a user last switched to on this site, so that their next sign-in starts there.

    Keyed by the token's iss+sub alone (the tenant knows users only from tokens). The org id is a hint,
    never a grant: it is used again only while the user's orgs claim still lists it.
    """

    __tablename__ = "last_active_orgs"

    site: Mapped[str] = mapped_column(String(40), primary_key=True)
    iss: Mapped[str] = mapped_column(String(255), primary_key=True)
    sub: Mapped[str] = mapped_column(String(255), primary_key=True)
    org_id: Mapped[str] = mapped_column(String(255))
    switched_at: Mapped[datetime]


CREATE = "create"
UPDATE = "update"
DELETE = "delete"
WRITE_ACTIONS = (CREATE, UPDATE, DELETE)


class ActorWrite(db.Model):
    """A todo write made while an admin impersonated the user (RFC 8693 `act`): who really did what, for whom.

    A log beside the todos, not columns on them: a deleted todo has no row left to say who deleted it,
    and every impersonated change stays on record, not just the latest. Writes without an actor add nothing.
    """

    __tablename__ = "todo_actor_writes"
    __table_args__ = (
        # The todo page and API look up a todo's impersonated writes by (site, todo_id), newest last.
        Index("ix_todo_actor_writes_site_iss_todo_at", "site", "iss", "todo_id", "at"),
        CheckConstraint("action IN ('create', 'update', 'delete')", name="action"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    site: Mapped[str] = mapped_column(String(40))
    # No foreign key: the record of a delete must outlive the todo it deleted.
    todo_id: Mapped[str] = mapped_column(String(22))
    # The issuer whose org and users the write concerns (OIDC Core §5.7).
    iss: Mapped[str] = mapped_column(String(255))
    org_id: Mapped[str] = mapped_column(String(255))
    # The impersonated user the write was made as (the token's `sub`).
    subject_sub: Mapped[str] = mapped_column(String(255))
    subject_name: Mapped[str] = mapped_column(String(200), default="")
    actor_sub: Mapped[str] = mapped_column(String(255))
    # From the ID token's `act.name` when it has one; access tokens name the actor by id only.
    actor_name: Mapped[str] = mapped_column(String(200), default="")
    action: Mapped[str] = mapped_column(String(10))
    at: Mapped[datetime]

    @property
    def actor_label(self) -> str:
        """The actor's name, or their id when the write came through the API (access tokens carry no name)."""
        return self.actor_name or f"An admin (id {self.actor_sub})"
