"""Who sees and changes which todo (SPEC §3.2): the one place tenant isolation is decided.

Pages and the API both go through these functions; neither builds its own todo query, and no
todo is ever fetched by id alone. The viewer is known only from token claims (`iss`, `sub`, `orgs`).

- A viewer acts only in an org listed in their trusted `orgs` claim, or in their personal space,
  and only on this site: `site`, `iss` and `org_id` are in every query, so nothing crosses orgs,
  another issuer's org "5" is not ours (OIDC Core §5.7), and Acme never sees Globex's rows.
- Everyone in the org sees its `org` todos and their own `private` ones. Nobody ever sees
  another user's private todo, not even an owner.
- Members change (edit, toggle, delete) only their own todos; admins and owners also change
  every `org` todo. Only the author changes who sees a todo.
- What the viewer cannot see is NotFound (404), never Forbidden: a refusal must not confirm
  that another org's or another user's todo exists. Forbidden (403) is for visible todos only.
"""

import hashlib
import re
from dataclasses import dataclass
from enum import StrEnum

from sqlalchemy import Select, bindparam, or_, select
from sqlalchemy.orm import Session

from ..signin.impersonation import Impersonation
from .models import ORG, PRIVATE, Todo

# Org ids and subs come from signed claims, but are still bounded before they reach a query.
CLAIM_VALUE_MAX = 255
# Todo ids are 22 url-safe characters; anything else cannot name a todo (and NUL bytes never reach PostgreSQL).
TODO_ID = re.compile(r"[A-Za-z0-9_-]{22}")
CONTROL_CHARS = re.compile(r"[\x00-\x1f\x7f]")
# The personal space of a user whose claims list none; no org id from a claim may take this form.
PERSONAL_PREFIX = "~"


class Role(StrEnum):
    """A member's role in one organization, as the provider's `orgs` claim states it."""

    MEMBER = "member"
    ADMIN = "admin"
    OWNER = "owner"


ROLES = frozenset(r.value for r in Role)
# Who may change every shared (`org`) todo, not just their own (SPEC §2.6).
MANAGERS = frozenset({Role.ADMIN, Role.OWNER})


class Action(StrEnum):
    """What a viewer wants to do with one todo."""

    READ = "read"
    UPDATE = "update"
    TOGGLE = "toggle"
    DELETE = "delete"


# The three answers allowed_actions gives, built once: it is asked for every row of every list.
EVERY_ACTION = frozenset(Action)
READ_ONLY = frozenset({Action.READ})
NO_ACTION: frozenset[Action] = frozenset()


class ScopeError(Exception):
    """The viewer may not do this; the message is safe to show."""


class NotFound(ScopeError):
    """Not visible to this viewer (or not there at all: the two are indistinguishable on purpose)."""


class Forbidden(ScopeError):
    """Visible to this viewer, but their role does not allow the action."""


@dataclass(frozen=True)
class Membership:
    """One entry of the `orgs` claim: the viewer's role in one org."""

    org_id: str
    slug: str
    name: str
    role: Role
    personal: bool = False


@dataclass(frozen=True)
class Viewer:
    """Who is asking: an `iss`+`sub`, the memberships their token claims, and the admin acting as them if any."""

    iss: str
    sub: str
    memberships: tuple[Membership, ...] = ()
    name: str = ""
    # RFC 8693 `act`: access is still the user's (sub, orgs); only the record of a write names the actor too.
    actor: Impersonation | None = None

    def membership(self, org_id: object) -> Membership | None:
        """The viewer's membership in that org, or None."""
        return next((m for m in self.memberships if m.org_id == org_id), None)

    @property
    def personal_space(self) -> Membership | None:
        """The viewer's personal space (an org of one): the claim's, or the one every viewer gets."""
        return next((m for m in self.memberships if m.personal), None)


def _claim_text(value: object) -> str | None:
    if not isinstance(value, str) or not value or len(value) > CLAIM_VALUE_MAX or CONTROL_CHARS.search(value):
        return None
    return value


def memberships_from_claim(orgs: object) -> tuple[Membership, ...]:
    """Read the `orgs` claim; a malformed entry or an unknown role grants nothing (fail closed)."""
    if not isinstance(orgs, list):
        return ()
    found: dict[str, Membership] = {}
    for entry in orgs:
        if not isinstance(entry, dict):
            continue
        org_id, role = _claim_text(entry.get("id")), entry.get("role")
        if org_id is None or not isinstance(role, str) or role not in ROLES or org_id in found:
            continue
        if org_id.startswith(PERSONAL_PREFIX):
            continue  # a claimed org must never stand in for someone's own personal space
        found[org_id] = Membership(
            org_id=org_id,
            slug=_claim_text(entry.get("slug")) or org_id,
            name=_claim_text(entry.get("name")) or _claim_text(entry.get("slug")) or org_id,
            role=Role(role),
            personal=entry.get("personal") is True,
        )
    return tuple(found.values())


def own_personal_space(sub: str) -> Membership:
    """The personal space (SPEC §3.2) of a user whose provider lists none: an org of one, theirs alone."""
    org_id = PERSONAL_PREFIX + hashlib.sha256(sub.encode()).hexdigest()
    return Membership(org_id=org_id, slug="personal", name="Personal", role=Role.OWNER, personal=True)


def viewer_from_claims(iss: object, sub: object, orgs: object, name: object = "") -> Viewer | None:
    """The Viewer for a token's `iss`, `sub` and trusted orgs claim; None when `iss` or `sub` is unusable.

    Every viewer has a personal space, whatever the provider sends: the claim's, else their own.
    """
    iss, sub = _claim_text(iss), _claim_text(sub)
    if iss is None or sub is None:
        return None
    memberships = memberships_from_claim(orgs)
    if not any(m.personal for m in memberships):
        memberships = (own_personal_space(sub), *memberships)
    return Viewer(iss=iss, sub=sub, memberships=memberships, name=name if isinstance(name, str) else "")


def membership_in(viewer: Viewer, org_id: object) -> Membership:
    """The viewer's membership in org_id; an org they are not in is NotFound (no existence leak)."""
    membership = viewer.membership(org_id)
    if membership is None:
        raise NotFound("There is no such organization among yours.")
    return membership


def is_visible(viewer_sub: str, todo: Todo) -> bool:
    """Shared todos are visible to the org; private ones to their author alone (not even owners)."""
    return todo.visibility == ORG or todo.author_sub == viewer_sub


def may_change(membership: Membership, viewer_sub: str, todo: Todo) -> bool:
    """Authors change their own todos; admins and owners also change every shared todo."""
    if todo.author_sub == viewer_sub:
        return True
    return todo.visibility == ORG and membership.role in MANAGERS


def may_set_visibility(viewer_sub: str, todo: Todo) -> bool:
    """Only the author decides who sees a todo: an admin cannot hide a shared todo in someone's private list."""
    return todo.author_sub == viewer_sub


def may_choose_visibility(membership: Membership) -> bool:
    """Sharing is a choice only in an org: in a personal space there is nobody to share with."""
    return not membership.personal


def default_visibility(membership: Membership) -> str:
    """What the new-todo form offers first: shared in an org (a team list), private in a personal space."""
    return ORG if may_choose_visibility(membership) else PRIVATE


def visible_todos(site: str, viewer: Viewer, org_id: str) -> Select[tuple[Todo]]:
    """The query of every todo this viewer may see in org_id on this site; every todo read starts here."""
    membership = membership_in(viewer, org_id)
    return select(Todo).where(
        Todo.site == site,
        Todo.iss == viewer.iss,
        Todo.org_id == membership.org_id,
        or_(Todo.visibility == ORG, Todo.author_sub == viewer.sub),
    )


def list_parts(*, mine: bool) -> tuple[Select, ...]:
    """The queries a list page merges, each without an OR: the viewer's own todos ("mine"), or the org's
    shared todos and the viewer's private ones (visible_todos in two disjoint parts).

    Each fixes every column of one index before created_at, so a page is one ordered index range
    whatever the planner's statistics (with the OR, PostgreSQL could walk and filter the whole org).
    The viewer is a bound parameter (list_values), so a page's statement is built once, not per request.
    On the table, not the entity: a list's rows are read as plain rows, without ORM object loading (issue 11).
    """
    todos = Todo.__table__.c
    in_org = select(Todo.__table__).where(
        todos.site == bindparam("site"), todos.iss == bindparam("iss"), todos.org_id == bindparam("org_id")
    )
    own = in_org.where(todos.author_sub == bindparam("sub"))
    return (own,) if mine else (in_org.where(todos.visibility == ORG), own.where(todos.visibility != ORG))


def list_values(site: str, viewer: Viewer, org_id: str) -> dict[str, str]:
    """The values list_parts is bound with for this viewer in org_id; NotFound outside their orgs."""
    membership = membership_in(viewer, org_id)
    return {"site": site, "iss": viewer.iss, "org_id": membership.org_id, "sub": viewer.sub}


def own_todos(site: str, viewer: Viewer, org_id: str) -> Select[tuple[Todo]]:
    """Every todo the viewer wrote in org_id on this site, private or shared: what "delete all mine" removes.

    Authors may change their own todos whatever their role, so this never reaches another member's todo.
    """
    membership = membership_in(viewer, org_id)
    return select(Todo).where(
        Todo.site == site, Todo.iss == viewer.iss, Todo.org_id == membership.org_id, Todo.author_sub == viewer.sub
    )


def load_todo(session: Session, site: str, viewer: Viewer, org_id: str, todo_id: object, action: Action) -> Todo:
    """One todo for an action: NotFound unless visible here, Forbidden if visible but not the viewer's to change."""
    if not isinstance(todo_id, str) or not TODO_ID.fullmatch(todo_id):
        raise NotFound("There is no such todo.")
    query = visible_todos(site, viewer, org_id).where(Todo.id == todo_id)
    todo = session.scalar(query)
    if todo is None:
        raise NotFound("There is no such todo.")
    if action is not Action.READ and not may_change(membership_in(viewer, org_id), viewer.sub, todo):
        raise Forbidden("Only its author or an admin of the organization can change this todo.")
    return todo


def allowed_actions(membership: Membership, viewer_sub: str, todo: Todo) -> frozenset[Action]:
    """What the viewer may do with a todo they can see (pages show only these buttons)."""
    if not is_visible(viewer_sub, todo):
        return NO_ACTION
    if may_change(membership, viewer_sub, todo):
        return EVERY_ACTION
    return READ_ONLY
