"""Who may do what in an organization (SPEC §2.6): plain functions that raise OrgRuleError.

Every permission in organizations is decided here and nowhere else. The functions take roles
and facts, never the request or a database row, so each rule is tested as a table.
Invariants: an org always has an owner; nobody raises their own role; an admin cannot change
or remove an owner; only owners make owners; a personal space has exactly one member.
"""

import re
from collections.abc import Callable
from datetime import datetime
from enum import StrEnum


class Role(StrEnum):
    """A member's role in one organization."""

    MEMBER = "member"
    ADMIN = "admin"
    OWNER = "owner"


RANK = {Role.MEMBER: 0, Role.ADMIN: 1, Role.OWNER: 2}

NAME_MAX = 100
SLUG_MIN = 3
SLUG_MAX = 40
# Lowercase letters, digits and inner hyphens: safe in URLs, claims and tenant paths as is.
SLUG_RE = re.compile(r"[a-z0-9](?:[a-z0-9-]*[a-z0-9])?")
# Personal spaces are "personal-<user id>"; reserved so nobody can squat a future user's slug.
PERSONAL_SLUG_PREFIX = "personal-"
# Names end up in mail subjects and headers: control characters could inject lines.
CONTROL_CHARS = re.compile(r"[\x00-\x1f\x7f]")


class Reason(StrEnum):
    """Why a rule refused; each reason has one message users see."""

    NAME_REQUIRED = "name-required"
    NAME_TOO_LONG = "name-too-long"
    NAME_CONTROL_CHARS = "name-control-chars"
    SLUG_INVALID = "slug-invalid"
    SLUG_RESERVED = "slug-reserved"
    SLUG_TAKEN = "slug-taken"
    PERSONAL_SPACE = "personal-space"
    MEMBERS_CANNOT_MANAGE = "members-cannot-manage"
    ONLY_OWNERS = "only-owners"
    ROLE_ABOVE_OWN = "role-above-own"
    ONLY_OWNERS_MAKE_OWNERS = "only-owners-make-owners"
    ADMINS_CANNOT_TOUCH_OWNERS = "admins-cannot-touch-owners"
    CANNOT_RAISE_OWN_ROLE = "cannot-raise-own-role"
    LAST_OWNER = "last-owner"
    TRANSFER_TO_SELF = "transfer-to-self"
    ALREADY_OWNER = "already-owner"
    ALREADY_MEMBER = "already-member"
    CONFIRMATION_MISMATCH = "confirmation-mismatch"
    WRONG_USER = "wrong-user"
    INVITATION_EXPIRED = "invitation-expired"
    INVITATION_USED = "invitation-used"
    INVITATION_REVOKED = "invitation-revoked"
    INVITER_LOST_RIGHTS = "inviter-lost-rights"


MESSAGES = {
    Reason.NAME_REQUIRED: "Enter a name.",
    Reason.NAME_TOO_LONG: f"Use at most {NAME_MAX} characters.",
    Reason.NAME_CONTROL_CHARS: "The name cannot contain line breaks or control characters.",
    Reason.SLUG_INVALID: (
        f"Use {SLUG_MIN} to {SLUG_MAX} lowercase letters, digits and hyphens, "
        "starting and ending with a letter or digit."
    ),
    Reason.SLUG_RESERVED: "Slugs starting with “personal-” are reserved for personal spaces.",
    Reason.SLUG_TAKEN: "That slug is taken. Choose another one.",
    Reason.PERSONAL_SPACE: "A personal space is yours alone: it cannot be left, deleted or get other members.",
    Reason.MEMBERS_CANNOT_MANAGE: "Only admins and owners can manage members and invitations.",
    Reason.ONLY_OWNERS: "Only owners can do that.",
    Reason.ROLE_ABOVE_OWN: "You cannot invite someone with a role above your own.",
    Reason.ONLY_OWNERS_MAKE_OWNERS: "Only owners can make someone an owner.",
    Reason.ADMINS_CANNOT_TOUCH_OWNERS: "Admins cannot change or remove an owner.",
    Reason.CANNOT_RAISE_OWN_ROLE: "You cannot raise your own role.",
    Reason.LAST_OWNER: "An organization needs at least one owner. Make someone else an owner first.",
    Reason.TRANSFER_TO_SELF: "Choose another member to transfer ownership to.",
    Reason.ALREADY_OWNER: "That member is already an owner.",
    Reason.ALREADY_MEMBER: "That person is already a member.",
    Reason.CONFIRMATION_MISMATCH: "Type the slug exactly to confirm.",
    Reason.WRONG_USER: "This invitation was sent to another email address. Sign in with that address to answer it.",
    Reason.INVITATION_EXPIRED: "This invitation has expired. Ask for a new one.",
    Reason.INVITATION_USED: "This invitation was already answered. Each invitation link works once.",
    Reason.INVITATION_REVOKED: "This invitation was withdrawn.",
    Reason.INVITER_LOST_RIGHTS: "The person who invited you can no longer grant this role. Ask for a new invitation.",
}

# Which form field a reason belongs next to, for forms that keep what was typed.
FIELDS = {
    Reason.NAME_REQUIRED: "name",
    Reason.NAME_TOO_LONG: "name",
    Reason.NAME_CONTROL_CHARS: "name",
    Reason.SLUG_INVALID: "slug",
    Reason.SLUG_RESERVED: "slug",
    Reason.SLUG_TAKEN: "slug",
    Reason.ROLE_ABOVE_OWN: "role",
    Reason.ALREADY_MEMBER: "email",
    Reason.CONFIRMATION_MISMATCH: "confirm",
}


class OrgRuleError(Exception):
    """A rule refused the action; the message is safe to show the user."""

    def __init__(self, reason: Reason):
        super().__init__(MESSAGES[reason])
        self.reason = reason
        self.field = FIELDS.get(reason)


class InvitationStatus(StrEnum):
    """Where an invitation is in its life."""

    PENDING = "pending"
    ACCEPTED = "accepted"
    DECLINED = "declined"
    REVOKED = "revoked"
    EXPIRED = "expired"


_DEAD = {
    InvitationStatus.ACCEPTED: Reason.INVITATION_USED,
    InvitationStatus.DECLINED: Reason.INVITATION_USED,
    InvitationStatus.REVOKED: Reason.INVITATION_REVOKED,
    InvitationStatus.EXPIRED: Reason.INVITATION_EXPIRED,
}


def clean_name(name: str) -> str:
    """The organization name without surrounding spaces, or OrgRuleError."""
    name = name.strip()
    if not name:
        raise OrgRuleError(Reason.NAME_REQUIRED)
    if len(name) > NAME_MAX:
        raise OrgRuleError(Reason.NAME_TOO_LONG)
    if CONTROL_CHARS.search(name):
        raise OrgRuleError(Reason.NAME_CONTROL_CHARS)
    return name


def clean_slug(slug: str) -> str:
    """The slug lowercased and trimmed, or OrgRuleError (uniqueness is the database's job)."""
    slug = slug.strip().lower()
    if not SLUG_MIN <= len(slug) <= SLUG_MAX or not SLUG_RE.fullmatch(slug):
        raise OrgRuleError(Reason.SLUG_INVALID)
    if slug.startswith(PERSONAL_SLUG_PREFIX):
        raise OrgRuleError(Reason.SLUG_RESERVED)
    return slug


def check_rename(*, actor: Role) -> None:
    """Renaming is an owner's decision."""
    if actor is not Role.OWNER:
        raise OrgRuleError(Reason.ONLY_OWNERS)


def check_delete(*, actor: Role, personal: bool, slug: str, confirmation: str) -> None:
    """Only an owner deletes an org, and only after typing its slug; a personal space stays."""
    if personal:
        raise OrgRuleError(Reason.PERSONAL_SPACE)
    if actor is not Role.OWNER:
        raise OrgRuleError(Reason.ONLY_OWNERS)
    check_typed_slug(slug=slug, confirmation=confirmation)


def check_typed_slug(*, slug: str, confirmation: str) -> None:
    """What cannot be undone (delete, transfer ownership) waits until the org's slug is typed exactly."""
    if confirmation.strip() != slug:
        raise OrgRuleError(Reason.CONFIRMATION_MISMATCH)


def check_invite(*, inviter: Role, role: Role, personal: bool, already_member: bool = False) -> None:
    """Admins and owners invite, never with a role above their own."""
    if personal:
        raise OrgRuleError(Reason.PERSONAL_SPACE)
    if inviter is Role.MEMBER:
        raise OrgRuleError(Reason.MEMBERS_CANNOT_MANAGE)
    if RANK[role] > RANK[inviter]:
        raise OrgRuleError(Reason.ROLE_ABOVE_OWN)
    if already_member:
        raise OrgRuleError(Reason.ALREADY_MEMBER)


def check_revoke(*, actor: Role, invitation_role: Role) -> None:
    """Admins and owners withdraw pending invitations; an owner invitation only by an owner."""
    if actor is Role.MEMBER:
        raise OrgRuleError(Reason.MEMBERS_CANNOT_MANAGE)
    if invitation_role is Role.OWNER and actor is not Role.OWNER:
        raise OrgRuleError(Reason.ADMINS_CANNOT_TOUCH_OWNERS)


def check_change_role(*, actor: Role, target: Role, new_role: Role, is_self: bool, owners: int, personal: bool) -> None:
    """Change a member's role: no self-raise, admins leave owners alone, owners make owners, one owner stays."""
    if personal:
        raise OrgRuleError(Reason.PERSONAL_SPACE)
    if is_self and RANK[new_role] > RANK[target]:
        raise OrgRuleError(Reason.CANNOT_RAISE_OWN_ROLE)
    if actor is Role.MEMBER and not is_self:
        raise OrgRuleError(Reason.MEMBERS_CANNOT_MANAGE)
    if actor is Role.ADMIN and target is Role.OWNER:
        raise OrgRuleError(Reason.ADMINS_CANNOT_TOUCH_OWNERS)
    if new_role is Role.OWNER and actor is not Role.OWNER:
        raise OrgRuleError(Reason.ONLY_OWNERS_MAKE_OWNERS)
    if target is Role.OWNER and new_role is not Role.OWNER and owners <= 1:
        raise OrgRuleError(Reason.LAST_OWNER)


def check_leave(*, role: Role, owners: int, personal: bool) -> None:
    """Anyone may leave, except the last owner and the owner of a personal space."""
    if personal:
        raise OrgRuleError(Reason.PERSONAL_SPACE)
    if role is Role.OWNER and owners <= 1:
        raise OrgRuleError(Reason.LAST_OWNER)


def check_remove(*, actor: Role, target: Role, is_self: bool, owners: int, personal: bool) -> None:
    """Admins and owners remove members; admins never remove owners; removing yourself is leaving."""
    if is_self:
        check_leave(role=target, owners=owners, personal=personal)
        return
    if personal:
        raise OrgRuleError(Reason.PERSONAL_SPACE)
    if actor is Role.MEMBER:
        raise OrgRuleError(Reason.MEMBERS_CANNOT_MANAGE)
    if actor is Role.ADMIN and target is Role.OWNER:
        raise OrgRuleError(Reason.ADMINS_CANNOT_TOUCH_OWNERS)
    if target is Role.OWNER and owners <= 1:
        raise OrgRuleError(Reason.LAST_OWNER)


def check_transfer(*, actor: Role, target: Role, is_self: bool, personal: bool) -> None:
    """An owner hands ownership to another member and becomes an admin."""
    if personal:
        raise OrgRuleError(Reason.PERSONAL_SPACE)
    if actor is not Role.OWNER:
        raise OrgRuleError(Reason.ONLY_OWNERS)
    if is_self:
        raise OrgRuleError(Reason.TRANSFER_TO_SELF)
    if target is Role.OWNER:
        raise OrgRuleError(Reason.ALREADY_OWNER)


def invitation_status(
    *,
    accepted_at: datetime | None,
    declined_at: datetime | None,
    revoked_at: datetime | None,
    expires_at: datetime,
    now: datetime,
) -> InvitationStatus:
    """An invitation's state from its timestamps."""
    if accepted_at is not None:
        return InvitationStatus.ACCEPTED
    if declined_at is not None:
        return InvitationStatus.DECLINED
    if revoked_at is not None:
        return InvitationStatus.REVOKED
    if now >= expires_at:
        return InvitationStatus.EXPIRED
    return InvitationStatus.PENDING


def check_pending(status: InvitationStatus) -> None:
    """Only a pending invitation can be answered or revoked."""
    if status is not InvitationStatus.PENDING:
        raise OrgRuleError(_DEAD[status])


def check_answer(*, status: InvitationStatus, invited_email: str, user_email: str) -> None:
    """Only the invited address answers (accepts or declines) a pending invitation."""
    check_pending(status)
    # The emailed link is not enough: a forwarded or leaked link must not let someone else join.
    if invited_email != user_email:
        raise OrgRuleError(Reason.WRONG_USER)


def check_join(*, role: Role, inviter_role: Role | None, already_member: bool) -> None:
    """Accepting still needs the inviter's rights: a removed or demoted admin's invitations lapse."""
    if inviter_role is None or inviter_role is Role.MEMBER or RANK[role] > RANK[inviter_role]:
        raise OrgRuleError(Reason.INVITER_LOST_RIGHTS)
    if already_member:
        raise OrgRuleError(Reason.ALREADY_MEMBER)


def allowed(check: Callable[..., None], **facts) -> bool:
    """True if the rule lets it happen (pages use this to show only the actions that would work)."""
    try:
        check(**facts)
    except OrgRuleError:
        return False
    return True


def assignable_roles(*, actor: Role, target: Role, is_self: bool, owners: int, personal: bool) -> list[Role]:
    """The roles the actor could set for this member, current one included; empty if none can change."""
    facts = dict(actor=actor, target=target, is_self=is_self, owners=owners, personal=personal)
    others = [role for role in Role if role is not target and allowed(check_change_role, new_role=role, **facts)]
    return [role for role in Role if role is target or role in others] if others else []


def can_view_audit(role: Role) -> bool:
    """Owners and admins see their organization's security events (SPEC §2.8); members do not."""
    return role in (Role.OWNER, Role.ADMIN)
