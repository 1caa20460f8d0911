"""The linking rules of upstream sign-in, as plain functions: who an upstream identity is here, and when it may change.

Identities are found by (iss, sub) only. An upstream address names an existing account only when the
upstream says it is verified and its file trusts that; even then the account's owner proves it first
(password), so nobody's account is merged silently. An unverified address never links.

Callers commit.
"""

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select

from ..audit.events import Origin, record_event
from ..extensions import db
from ..identity.addresses import is_valid_email, normalise_email
from ..identity.models import User
from ..oidc.assurance import FEDERATED_METHOD, MFA_ACR, UPSTREAM_MFA_METHOD, used_second_factor
from ..passkeys.services import has_passkey
from .client import UpstreamIdentity
from .config import UpstreamSettings
from .models import FederatedIdentity

# What a first sign-in by an unknown (iss, sub) leads to.
CREATE = "create"  # a new account
PROVE = "prove"  # an account with that verified address exists: its owner proves it, then it is linked
REFUSE_TAKEN = "refuse-taken"  # the address has an account, but the upstream's word for it is not trusted
REFUSE_NO_EMAIL = "refuse-no-email"  # nothing to reach the new account's owner at
# The purpose of the mailed link that proves an account's inbox before a link (identity/tokens.py).
LINK_BY_MAIL = "link-provider"


class FederationError(Exception):
    """A linking rule refused; the message is for the user."""


@dataclass(frozen=True)
class FirstSignIn:
    """The outcome for an unknown upstream identity, with the account it names (for PROVE)."""

    outcome: str
    user: User | None = None
    email_trusted: bool = False


def email_trusted(upstream: UpstreamSettings, identity: UpstreamIdentity) -> bool:
    """The upstream's address counts as verified: it says so, and its file trusts it to."""
    return upstream.trust_email_verified and identity.email_verified and identity.email is not None


def first_sign_in_outcome(*, has_email: bool, trusted: bool, account_exists: bool) -> str:
    """The rule for an unknown (iss, sub): link only after proof of a trusted match; never merge an untrusted one."""
    if account_exists:
        return PROVE if trusted else REFUSE_TAKEN
    return CREATE if has_email else REFUSE_NO_EMAIL


def amr_for(upstream: UpstreamSettings, identity: UpstreamIdentity) -> list[str]:
    """Our amr for an upstream sign-in: "fed" (one factor), plus "mfa" if the file trusts an upstream MFA claim."""
    reported_mfa = identity.acr == MFA_ACR or used_second_factor(list(identity.amr))
    return [FEDERATED_METHOD, UPSTREAM_MFA_METHOD] if upstream.trust_acr and reported_mfa else [FEDERATED_METHOD]


def find_identity(iss: str, sub: str) -> FederatedIdentity | None:
    """The link of this upstream account, if any (the only way an upstream identity names a user)."""
    return db.session.scalar(
        select(FederatedIdentity).where(FederatedIdentity.iss == iss, FederatedIdentity.sub == sub)
    )


def identities_of(user_id: int) -> list[FederatedIdentity]:
    query = select(FederatedIdentity).where(FederatedIdentity.user_id == user_id).order_by(FederatedIdentity.id)
    return list(db.session.scalars(query))


def first_sign_in(upstream: UpstreamSettings, identity: UpstreamIdentity) -> FirstSignIn:
    """Decide what an unknown upstream identity leads to (first_sign_in_outcome over the database)."""
    email = normalise_email(identity.email) if identity.email and is_valid_email(identity.email) else None
    existing = db.session.scalar(select(User).where(User.email == email)) if email else None
    trusted = email_trusted(upstream, identity)
    outcome = first_sign_in_outcome(has_email=email is not None, trusted=trusted, account_exists=existing is not None)
    return FirstSignIn(outcome, existing, trusted)


def create_account(upstream: UpstreamSettings, identity: UpstreamIdentity, *, origin: Origin, now: datetime) -> User:
    """A new account for an upstream identity: no password, the address confirmed only if trusted and verified."""
    trusted = email_trusted(upstream, identity)
    user = User(
        email=normalise_email(identity.email),
        name=identity.name,
        password_hash="",  # noqa: S106 (no password: set one later through "Forgot your password?")
        email_verified_at=now if trusted else None,
        created_at=now,
        password_changed_at=now,
    )
    db.session.add(user)
    db.session.flush()
    _link(user, upstream, identity, origin=origin, now=now, event="federation.account_created")
    return user


def link(user: User, upstream: UpstreamSettings, identity: UpstreamIdentity, *, origin: Origin, now: datetime) -> None:
    """Link an upstream identity to a user who proved they own the account; one user per (iss, sub)."""
    existing = find_identity(identity.iss, identity.sub)
    if existing is not None and existing.user_id != user.id:
        raise FederationError(f"This {upstream.name} account is already linked to another Gatehouse account.")
    if existing is not None:
        return
    _link(user, upstream, identity, origin=origin, now=now, event="federation.linked")


def _link(
    user: User, upstream: UpstreamSettings, identity: UpstreamIdentity, *, origin: Origin, now: datetime, event: str
):
    row = FederatedIdentity(
        user_id=user.id,
        provider=upstream.slug,
        iss=identity.iss,
        sub=identity.sub,
        email=identity.email,
        created_at=now,
        last_used_at=now,
    )
    db.session.add(row)
    db.session.flush()
    details = {"provider": upstream.slug, "iss": identity.iss, "identity_id": row.id}
    record_event(event, actor_id=user.id, origin=origin, now=now, details=details)


def can_unlink(*, has_password: bool, other_identities: int, has_passkey: bool) -> bool:
    """An identity may go unless it is the last way in: no password, no other identity, no passkey."""
    return has_password or other_identities > 0 or has_passkey


def unlink(user: User, identity_id: int, *, origin: Origin, now: datetime) -> FederatedIdentity | None:
    """Remove one of the user's links (None if it is not theirs); FederationError if it is the last way in."""
    row = db.session.scalar(
        select(FederatedIdentity).where(FederatedIdentity.id == identity_id, FederatedIdentity.user_id == user.id)
    )
    if row is None:
        return None
    others = db.session.scalar(
        select(func.count(FederatedIdentity.id)).where(
            FederatedIdentity.user_id == user.id, FederatedIdentity.id != identity_id
        )
    )
    if not can_unlink(has_password=user.has_password, other_identities=others, has_passkey=has_passkey(user.id)):
        raise FederationError(
            "This is your only way to sign in. Set a password (Forgot your password?) or add a passkey first."
        )
    db.session.delete(row)
    details = {"provider": row.provider, "iss": row.iss, "identity_id": row.id}
    record_event("federation.unlinked", actor_id=user.id, origin=origin, now=now, details=details)
    return row


def used(row: FederatedIdentity, now: datetime) -> None:
    row.last_used_at = now
