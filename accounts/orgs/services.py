"""Organization and membership changes as plain functions: create, rename, delete, roles, leave, transfer.

Callers commit. Each change loads what it needs fresh, asks rules.py, writes and records its security
event, so one commit lands the change with its event. Changes that could take away an owner first lock
the org row until that commit, so two concurrent changes cannot together leave an org with none.
A change to who is in an org, or in which role, also stages a claims-change security event for each
user it touches (security_events/outbox.py), so tenants learn it in the same commit.
"""

from dataclasses import dataclass, field
from datetime import datetime
from functools import cache

from sqlalchemy import bindparam, case, delete, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import contains_eager, joinedload

from common.clock import utcnow

from ..audit.events import Origin, record_event
from ..extensions import db
from ..identity.models import User
from ..security_events import outbox
from . import rules
from .models import Invitation, Membership, Organization
from .rules import OrgRuleError, Reason, Role

# Flows called from the CLI or demo seeding have no request to come from.
NO_ORIGIN = Origin()


class NotFound(LookupError):
    """No such member, invitation or org for this user (pages answer 404: no existence leak)."""


def load_membership(slug: str, user_id: int) -> Membership | None:
    """The user's membership in the org with this slug, org loaded; None if they are not a member.

    The only way pages reach an org: an org someone does not belong to looks exactly like one
    that does not exist.
    """
    # Only slug-shaped input reaches the database (PostgreSQL rejects NUL bytes with an error).
    if len(slug) > rules.SLUG_MAX or not rules.SLUG_RE.fullmatch(slug):
        return None
    return db.session.scalar(
        select(Membership)
        .join(Membership.org)
        .options(contains_eager(Membership.org))
        .where(Organization.slug == slug, Membership.user_id == user_id)
    )


@cache
def _memberships_of_user():
    # Built once with a bound parameter: it runs on every token, refresh and userinfo request (the orgs claim).
    return (
        select(Membership)
        .join(Membership.org)
        .options(contains_eager(Membership.org))
        .where(Membership.user_id == bindparam("user_id"))
        .order_by(Organization.personal_user_id.is_(None), Organization.name, Organization.id)
    )


def memberships_of(user_id: int) -> list[Membership]:
    """Every membership of the user with its org: the personal space first, then by name."""
    return list(db.session.scalars(_memberships_of_user(), {"user_id": user_id}))


def owner_count(org_id: int) -> int:
    """How many owners the org has."""
    return db.session.scalar(
        select(func.count()).select_from(Membership).where(Membership.org_id == org_id, Membership.role == Role.OWNER)
    )


def pending_condition(now: datetime):
    """SQL condition: the invitation is still open."""
    return (
        Invitation.accepted_at.is_(None),
        Invitation.declined_at.is_(None),
        Invitation.revoked_at.is_(None),
        Invitation.expires_at > now,
    )


@dataclass(frozen=True)
class MemberView:
    """One row of the members table, with what the viewer may do to it."""

    membership: Membership
    is_self: bool
    roles: list[Role]
    can_remove: bool
    can_transfer: bool


@dataclass(frozen=True)
class InvitationView:
    """One pending invitation, with whether the viewer may revoke it."""

    invitation: Invitation
    can_revoke: bool


@dataclass(frozen=True)
class OrgPage:
    """Everything the org page shows, each action decided by rules.py for this viewer."""

    org: Organization
    me: Membership
    members: list[MemberView]
    invitations: list[InvitationView]
    invite_roles: list[Role] = field(default_factory=list)
    can_rename: bool = False
    can_delete: bool = False
    can_leave: bool = False
    can_view_audit: bool = False


def org_page(membership: Membership, now: datetime) -> OrgPage:
    """The org as the member sees it: members, pending invitations (managers only), allowed actions."""
    org, me = membership.org, membership.role_enum
    owners = owner_count(org.id)
    rank = case({Role.OWNER.value: 0, Role.ADMIN.value: 1}, value=Membership.role, else_=2)
    rows = db.session.scalars(
        select(Membership)
        .join(Membership.user)
        .options(contains_eager(Membership.user))
        .where(Membership.org_id == org.id)
        .order_by(rank, User.name, User.id)
    )
    members = [
        MemberView(
            membership=m,
            is_self=m.user_id == membership.user_id,
            roles=rules.assignable_roles(
                actor=me,
                target=m.role_enum,
                is_self=m.user_id == membership.user_id,
                owners=owners,
                personal=org.personal,
            ),
            can_remove=m.user_id != membership.user_id
            and rules.allowed(
                rules.check_remove, actor=me, target=m.role_enum, is_self=False, owners=owners, personal=org.personal
            ),
            can_transfer=rules.allowed(
                rules.check_transfer,
                actor=me,
                target=m.role_enum,
                is_self=m.user_id == membership.user_id,
                personal=org.personal,
            ),
        )
        for m in rows
    ]
    invitations = []
    if rules.allowed(rules.check_invite, inviter=me, role=Role.MEMBER, personal=org.personal):
        pending = db.session.scalars(
            select(Invitation)
            .options(joinedload(Invitation.inviter))
            .where(Invitation.org_id == org.id, *pending_condition(now))
            .order_by(Invitation.created_at.desc(), Invitation.id.desc())
        )
        invitations = [
            InvitationView(i, rules.allowed(rules.check_revoke, actor=me, invitation_role=i.role_enum)) for i in pending
        ]
    return OrgPage(
        org=org,
        me=membership,
        members=members,
        invitations=invitations,
        invite_roles=[r for r in Role if rules.allowed(rules.check_invite, inviter=me, role=r, personal=org.personal)],
        can_rename=rules.allowed(rules.check_rename, actor=me),
        can_delete=rules.allowed(
            rules.check_delete, actor=me, personal=org.personal, slug=org.slug, confirmation=org.slug
        ),
        can_leave=rules.allowed(rules.check_leave, role=me, owners=owners, personal=org.personal),
        can_view_audit=rules.can_view_audit(me),
    )


def create_org(user_id: int, name: str, slug: str, now: datetime, *, origin: Origin = NO_ORIGIN) -> Organization:
    """Create an organization; its creator becomes the owner (SPEC §2.6)."""
    org = Organization(name=rules.clean_name(name), slug=rules.clean_slug(slug), created_at=now)
    if db.session.scalar(select(Organization.id).where(Organization.slug == org.slug)) is not None:
        raise OrgRuleError(Reason.SLUG_TAKEN)
    db.session.add(org)
    db.session.add(Membership(org=org, user_id=user_id, role=Role.OWNER, created_at=now))
    try:
        db.session.flush()
        details = {"name": org.name, "slug": org.slug}
        record_event("org.created", actor_id=user_id, origin=origin, now=now, org_id=org.id, details=details)
    except IntegrityError:
        # The unique index settles a race between two people taking the same slug.
        db.session.rollback()
        raise OrgRuleError(Reason.SLUG_TAKEN) from None
    return org


def lock_org(org_id: int) -> Organization:
    """Lock the org row for this transaction: membership changes of one org run one at a time."""
    org = db.session.scalar(
        select(Organization)
        .where(Organization.id == org_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    if org is None:
        raise NotFound
    return org


def member_row(org_id: int, user_id: int | None) -> Membership:
    """A membership of this org, read fresh; NotFound if the user is not in it."""
    found = db.session.scalar(
        select(Membership)
        .where(Membership.org_id == org_id, Membership.user_id == user_id)
        .execution_options(populate_existing=True)
    )
    if found is None:
        raise NotFound
    return found


def rename_org(
    org_id: int, actor_id: int, name: str, *, origin: Origin = NO_ORIGIN, now: datetime | None = None
) -> Organization:
    """Give the org a new name (the slug stays: it is in claims and links)."""
    org = lock_org(org_id)
    rules.check_rename(actor=member_row(org_id, actor_id).role_enum)
    old, org.name = org.name, rules.clean_name(name)
    details = {"from": old, "to": org.name}
    record_event("org.renamed", actor_id=actor_id, origin=origin, now=now or utcnow(), org_id=org_id, details=details)
    return org


def delete_org(
    org_id: int, actor_id: int, confirmation: str, *, origin: Origin = NO_ORIGIN, now: datetime | None = None
) -> None:
    """Delete the org with its memberships and invitations, once the owner typed its slug."""
    org = lock_org(org_id)
    actor = member_row(org_id, actor_id)
    rules.check_delete(actor=actor.role_enum, personal=org.personal, slug=org.slug, confirmation=confirmation)
    members = list(db.session.scalars(select(Membership.user_id).where(Membership.org_id == org_id)))
    # Delete children explicitly: SQLite enforces ondelete only with PRAGMA foreign_keys=ON.
    db.session.execute(delete(Invitation).where(Invitation.org_id == org_id))
    db.session.execute(delete(Membership).where(Membership.org_id == org_id))
    db.session.delete(org)
    details = {"name": org.name, "slug": org.slug}
    record_event("org.deleted", actor_id=actor_id, origin=origin, now=now or utcnow(), org_id=org_id, details=details)
    db.session.flush()  # the outbox's recipients are read after the memberships are gone
    outbox.claims_changed(members, now or utcnow())


def change_role(
    org_id: int,
    actor_id: int,
    target_id: int,
    new_role: Role,
    *,
    origin: Origin = NO_ORIGIN,
    now: datetime | None = None,
) -> Membership:
    """Give a member another role, within the rules."""
    org = lock_org(org_id)
    actor = member_row(org_id, actor_id)
    target = member_row(org_id, target_id)
    rules.check_change_role(
        actor=actor.role_enum,
        target=target.role_enum,
        new_role=new_role,
        is_self=actor_id == target_id,
        owners=owner_count(org_id),
        personal=org.personal,
    )
    details = {"from": target.role_enum.value, "to": Role(new_role).value}
    target.role = new_role
    record_event(
        "org.role_changed",
        actor_id=actor_id,
        origin=origin,
        now=now or utcnow(),
        org_id=org_id,
        subject_id=target_id,
        details=details,
    )
    outbox.claims_changed([target_id], now or utcnow())
    return target


def remove_member(
    org_id: int, actor_id: int, target_id: int, *, origin: Origin = NO_ORIGIN, now: datetime | None = None
) -> User:
    """Take a member out of the org (removing yourself is leaving); return the removed user."""
    target = _removable(lock_org(org_id), actor_id, target_id)
    user, role = target.user, target.role_enum.value
    db.session.delete(target)
    event = "org.member_left" if actor_id == target_id else "org.member_removed"
    record_event(
        event,
        actor_id=actor_id,
        origin=origin,
        now=now or utcnow(),
        org_id=org_id,
        subject_id=target_id,
        details={"role": role},
    )
    outbox.claims_changed([target_id], now or utcnow())
    return user


def leave(org_id: int, user_id: int, *, origin: Origin = NO_ORIGIN, now: datetime | None = None) -> None:
    """Leave an org (not the last owner, not a personal space)."""
    org = lock_org(org_id)
    membership = member_row(org_id, user_id)
    rules.check_leave(role=membership.role_enum, owners=owner_count(org_id), personal=org.personal)
    role = membership.role_enum.value
    db.session.delete(membership)
    record_event(
        "org.member_left",
        actor_id=user_id,
        origin=origin,
        now=now or utcnow(),
        org_id=org_id,
        subject_id=user_id,
        details={"role": role},
    )
    outbox.claims_changed([user_id], now or utcnow())


def removal_target(org_id: int, actor_id: int, target_id: int) -> Membership:
    """The member the actor may remove (or themself, leaving), rules checked and nothing changed: the confirm page."""
    return _removable(db.session.get(Organization, org_id), actor_id, target_id)


def _removable(org: Organization, actor_id: int, target_id: int) -> Membership:
    """The target's membership once the rules allow the actor to remove it (OrgRuleError otherwise)."""
    actor, target = member_row(org.id, actor_id), member_row(org.id, target_id)
    rules.check_remove(
        actor=actor.role_enum,
        target=target.role_enum,
        is_self=actor_id == target_id,
        owners=owner_count(org.id),
        personal=org.personal,
    )
    return target


def transfer_target(org_id: int, actor_id: int, target_id: int) -> Membership:
    """The member the actor may hand ownership to, rules checked and nothing changed: the confirm page."""
    return _transferable(db.session.get(Organization, org_id), actor_id, target_id)[1]


def _transferable(org: Organization, actor_id: int, target_id: int) -> tuple[Membership, Membership]:
    """(actor, target) memberships once the rules allow the actor to hand ownership to the target."""
    actor, target = member_row(org.id, actor_id), member_row(org.id, target_id)
    rules.check_transfer(
        actor=actor.role_enum, target=target.role_enum, is_self=actor_id == target_id, personal=org.personal
    )
    return actor, target


def transfer_ownership(
    org_id: int,
    actor_id: int,
    target_id: int,
    confirmation: str,
    *,
    origin: Origin = NO_ORIGIN,
    now: datetime | None = None,
) -> Membership:
    """Make another member the owner once the owner typed the org's slug; the former owner stays as an admin."""
    org = lock_org(org_id)
    actor, target = _transferable(org, actor_id, target_id)
    rules.check_typed_slug(slug=org.slug, confirmation=confirmation)
    details = {"from_role": target.role_enum.value}
    target.role = Role.OWNER
    actor.role = Role.ADMIN
    record_event(
        "org.ownership_transferred",
        actor_id=actor_id,
        origin=origin,
        now=now or utcnow(),
        org_id=org_id,
        subject_id=target_id,
        details=details,
    )
    outbox.claims_changed([actor_id, target_id], now or utcnow())
    return target


def set_membership(org_id: int, user_id: int, role: Role) -> Membership:
    """Operators and demo data only: add or update a membership without an invitation."""
    membership = db.session.scalar(
        select(Membership).where(Membership.org_id == org_id, Membership.user_id == user_id)
    ) or Membership(org_id=org_id, user_id=user_id)
    previous = membership.role
    membership.role = role
    db.session.add(membership)
    if previous != role:
        details = {"from": str(previous) if previous else None, "to": Role(role).value, "by": "operator"}
        event = "org.role_changed" if previous else "org.member_added"
        record_event(
            event, actor_id=None, origin=NO_ORIGIN, now=utcnow(), org_id=org_id, subject_id=user_id, details=details
        )
        outbox.claims_changed([user_id], utcnow())
    return membership
