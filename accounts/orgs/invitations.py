"""Invitation changes as plain functions: invite, revoke, look up, accept, decline.

Callers commit. Each loads what it needs fresh, asks rules.py, then writes and records its security
event. Answering locks the org row like the membership changes in services.py, and a conditional
UPDATE makes each link work only once.
"""

import secrets
from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload

from common.server_session import hash_token

from ..audit.events import Origin, record_event
from ..extensions import db
from ..identity.models import User
from ..identity.services import normalise_email
from ..security_events import outbox
from . import rules
from .models import Invitation, Membership
from .rules import InvitationStatus, OrgRuleError, Reason, Role
from .services import NO_ORIGIN, NotFound, lock_org, member_row, pending_condition

# Longest raw token we look up: ours are 43 characters; anything much longer is not one of them.
MAX_TOKEN_LENGTH = 128


def invitation_status(invitation: Invitation, now: datetime) -> InvitationStatus:
    """The invitation's state now."""
    return rules.invitation_status(
        accepted_at=invitation.accepted_at,
        declined_at=invitation.declined_at,
        revoked_at=invitation.revoked_at,
        expires_at=invitation.expires_at,
        now=now,
    )


def invite(
    org_id: int,
    actor_id: int,
    email: str,
    role: Role,
    *,
    lifetime: timedelta,
    now: datetime,
    origin: Origin = NO_ORIGIN,
) -> tuple[Invitation, str]:
    """Invite an address with a role; return the invitation and the raw token for the emailed link."""
    actor = member_row(org_id, actor_id)
    email = normalise_email(email)
    already_member = (
        db.session.scalar(
            select(Membership.id).join(Membership.user).where(Membership.org_id == org_id, User.email == email)
        )
        is not None
    )
    rules.check_invite(inviter=actor.role_enum, role=role, personal=actor.org.personal, already_member=already_member)
    # Inviting an address again replaces its pending invitation, so only the newest link works.
    db.session.execute(
        update(Invitation)
        .where(Invitation.org_id == org_id, Invitation.email == email, *pending_condition(now))
        .values(revoked_at=now)
    )
    raw = secrets.token_urlsafe(32)
    # Only a hash is stored (like session keys): a leaked table yields no working links.
    invitation = Invitation(
        org_id=org_id,
        email=email,
        role=role,
        inviter_id=actor_id,
        token_hash=hash_token(raw),
        created_at=now,
        expires_at=now + lifetime,
    )
    db.session.add(invitation)
    db.session.flush()
    _record("org.invitation_sent", invitation, actor_id=actor_id, origin=origin, now=now)
    return invitation, raw


def revoke_invitation(
    org_id: int, actor_id: int, invitation_id: int, now: datetime, *, origin: Origin = NO_ORIGIN
) -> Invitation:
    """Withdraw a pending invitation of this org (looked up within the org, never by id alone)."""
    actor = member_row(org_id, actor_id)
    invitation = db.session.scalar(
        select(Invitation).where(Invitation.id == invitation_id, Invitation.org_id == org_id)
    )
    if invitation is None:
        raise NotFound
    rules.check_revoke(actor=actor.role_enum, invitation_role=invitation.role_enum)
    rules.check_pending(invitation_status(invitation, now))
    invitation.revoked_at = now
    _record("org.invitation_revoked", invitation, actor_id=actor_id, origin=origin, now=now)
    return invitation


def find_invitation(raw_token: str) -> Invitation | None:
    """The invitation of an emailed link, in whatever state it is, with org and inviter."""
    if not raw_token or len(raw_token) > MAX_TOKEN_LENGTH:
        return None
    return db.session.scalar(
        select(Invitation)
        .options(joinedload(Invitation.org), joinedload(Invitation.inviter))
        .where(Invitation.token_hash == hash_token(raw_token))
    )


def _answerable(raw_token: str, user: User, now: datetime) -> Invitation:
    """The invitation behind the link, locked and checked: pending and addressed to this user."""
    found = find_invitation(raw_token)
    if found is None:
        raise NotFound
    lock_org(found.org_id)
    db.session.refresh(found)
    rules.check_answer(
        status=invitation_status(found, now), invited_email=found.email, user_email=normalise_email(user.email)
    )
    return found


def _use_up(invitation: Invitation, column: str, now: datetime) -> None:
    """Mark the invitation answered; a conditional UPDATE keeps the link single-use even under races."""
    claimed = db.session.execute(
        update(Invitation)
        .where(Invitation.id == invitation.id, *pending_condition(now))
        .values({column: now})
        .execution_options(synchronize_session=False)
    )
    if claimed.rowcount != 1:
        db.session.rollback()
        raise OrgRuleError(Reason.INVITATION_USED)


def _record(event_type: str, invitation: Invitation, *, actor_id: int, origin: Origin, now: datetime) -> None:
    """Record an invitation's event; its subject is the invited person when they have an account."""
    invited = db.session.scalar(select(User.id).where(User.email == invitation.email))
    details = {"invitation_id": invitation.id, "email": invitation.email, "role": invitation.role_enum.value}
    record_event(
        event_type,
        actor_id=actor_id,
        origin=origin,
        now=now,
        org_id=invitation.org_id,
        subject_id=invited,
        details=details,
    )


def accept_invitation(raw_token: str, user: User, now: datetime, *, origin: Origin = NO_ORIGIN) -> Membership:
    """Join the org with the invited role; the link is used up."""
    invitation = _answerable(raw_token, user, now)
    inviter = db.session.scalar(
        select(Membership.role).where(
            Membership.org_id == invitation.org_id, Membership.user_id == invitation.inviter_id
        )
    )
    already = db.session.scalar(
        select(Membership.id).where(Membership.org_id == invitation.org_id, Membership.user_id == user.id)
    )
    rules.check_join(
        role=invitation.role_enum,
        inviter_role=Role(inviter) if inviter else None,
        already_member=already is not None,
    )
    _use_up(invitation, "accepted_at", now)
    membership = Membership(org_id=invitation.org_id, user_id=user.id, role=invitation.role, created_at=now)
    db.session.add(membership)
    try:
        db.session.flush()
        _record("org.invitation_accepted", invitation, actor_id=user.id, origin=origin, now=now)
        outbox.claims_changed([user.id], now)
    except IntegrityError:
        # UniqueConstraint(org_id, user_id): joined meanwhile through another invitation.
        db.session.rollback()
        raise OrgRuleError(Reason.ALREADY_MEMBER) from None
    return membership


def decline_invitation(raw_token: str, user: User, now: datetime, *, origin: Origin = NO_ORIGIN) -> Invitation:
    """Say no to an invitation; the link is used up."""
    invitation = _answerable(raw_token, user, now)
    _use_up(invitation, "declined_at", now)
    _record("org.invitation_declined", invitation, actor_id=user.id, origin=origin, now=now)
    return invitation
