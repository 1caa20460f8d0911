"""Who may do what in the admin console (SPEC §2.7): every action is decided here and nowhere else.

Plain functions over facts (site role, ban, ids), never the request; each returns a Verdict whose
reason is the message shown when it refuses, so every rule is tested as a table.
"""

from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

ROLES = ("user", "admin")


class Person(Protocol):
    """What the rules read of a user."""

    id: int
    site_role: str

    def is_banned(self, now: datetime) -> bool: ...


@dataclass(frozen=True)
class Verdict:
    """Allowed, or refused with a reason fit to show the admin."""

    allowed: bool
    reason: str = ""

    def __bool__(self) -> bool:
        return self.allowed


ALLOWED = Verdict(True)


def _refuse(reason: str) -> Verdict:
    return Verdict(False, reason)


def _admin(actor: Person) -> Verdict:
    return ALLOWED if actor.site_role == "admin" else _refuse("Only site admins can do this.")


def can_view_console(*, actor: Person) -> Verdict:
    """Only site admins see the console."""
    return _admin(actor)


def can_ban(*, actor: Person, target: Person, now: datetime) -> Verdict:
    """An admin bans another, non-admin, not yet banned user."""
    if not (verdict := _admin(actor)):
        return verdict
    if target.id == actor.id:
        return _refuse("You cannot ban yourself.")
    if target.site_role == "admin":
        return _refuse("Admins cannot be banned: make them a user first.")
    if target.is_banned(now):
        return _refuse("This user is already banned.")
    return ALLOWED


def can_unban(*, actor: Person, target: Person, now: datetime) -> Verdict:
    """An admin lifts a ban that is in force."""
    if not (verdict := _admin(actor)):
        return verdict
    if not target.is_banned(now):
        return _refuse("This user is not banned.")
    return ALLOWED


def can_set_role(*, actor: Person, target: Person, role: str, admin_count: int, now: datetime) -> Verdict:
    """An admin changes another user's site role; nobody demotes themselves and one admin always remains."""
    if not (verdict := _admin(actor)):
        return verdict
    if role not in ROLES:
        return _refuse("Unknown site role.")
    if target.site_role == role:
        return _refuse(f"This user already has the site role {role}.")
    if target.id == actor.id:
        return _refuse("You cannot change your own site role.")
    if target.site_role == "admin" and admin_count <= 1:
        return _refuse("The last admin cannot be made a user.")
    if role == "admin" and target.is_banned(now):
        return _refuse("A banned user cannot be made an admin.")
    return ALLOWED


def can_revoke_sessions(*, actor: Person, target: Person) -> Verdict:
    """An admin signs another user out everywhere (their own sessions are on "Your sessions")."""
    if not (verdict := _admin(actor)):
        return verdict
    if target.id == actor.id:
        return _refuse("Use “Your sessions” to sign yourself out.")
    return ALLOWED


def can_reset_second_factor(*, actor: Person, target: Person, has_second_factor: bool) -> Verdict:
    """An admin removes another user's second factor (lost authenticator); their own goes through Security."""
    if not (verdict := _admin(actor)):
        return verdict
    if target.id == actor.id:
        return _refuse("Turn your own two-factor authentication off on your Security page.")
    if not has_second_factor:
        return _refuse("This user has no second factor to reset.")
    return ALLOWED


def can_impersonate(*, actor: Person, target: Person, now: datetime) -> Verdict:
    """An admin may act as a non-admin, non-banned user other than themselves."""
    if not (verdict := _admin(actor)):
        return verdict
    if target.id == actor.id:
        return _refuse("You cannot impersonate yourself.")
    if target.site_role == "admin":
        return _refuse("Admins cannot be impersonated.")
    if target.is_banned(now):
        return _refuse("A banned user cannot be impersonated.")
    return ALLOWED
