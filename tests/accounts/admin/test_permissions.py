"""Who may do what in the admin console (SPEC §2.7): every rule as a table, with the exact answer per row."""

from dataclasses import dataclass
from datetime import datetime, timedelta

import pytest

from accounts.admin import permissions as p

NOW = datetime(2026, 12, 2, 12, 0)


@dataclass
class P:
    """A person as the rules see one."""

    id: int
    site_role: str = "user"
    banned_until: datetime | None = None
    banned: bool = False

    def is_banned(self, now: datetime) -> bool:
        return self.banned and (self.banned_until is None or now < self.banned_until)


ADMIN = P(1, "admin")
OTHER_ADMIN = P(2, "admin")
USER = P(3)
BANNED = P(4, banned=True)
BANNED_TILL_TOMORROW = P(5, banned=True, banned_until=NOW + timedelta(days=1))
BAN_EXPIRED = P(6, banned=True, banned_until=NOW - timedelta(seconds=1))


@pytest.mark.parametrize(
    ("actor", "target", "allowed", "reason"),
    [
        (ADMIN, USER, True, ""),
        (ADMIN, BAN_EXPIRED, True, ""),
        (USER, BAN_EXPIRED, False, "Only site admins"),
        (ADMIN, ADMIN, False, "cannot ban yourself"),
        (ADMIN, OTHER_ADMIN, False, "Admins cannot be banned"),
        (ADMIN, BANNED, False, "already banned"),
        (ADMIN, BANNED_TILL_TOMORROW, False, "already banned"),
    ],
)
def test_can_ban(actor, target, allowed, reason):
    verdict = p.can_ban(actor=actor, target=target, now=NOW)
    assert bool(verdict) is allowed
    assert reason in verdict.reason


@pytest.mark.parametrize(
    ("actor", "target", "allowed"),
    [
        (ADMIN, BANNED, True),
        (ADMIN, BANNED_TILL_TOMORROW, True),
        (ADMIN, BAN_EXPIRED, False),
        (ADMIN, USER, False),
        (USER, BANNED, False),
    ],
)
def test_can_unban(actor, target, allowed):
    assert bool(p.can_unban(actor=actor, target=target, now=NOW)) is allowed


@pytest.mark.parametrize(
    ("actor", "target", "role", "admins", "allowed", "reason"),
    [
        (ADMIN, USER, "admin", 1, True, ""),
        (ADMIN, OTHER_ADMIN, "user", 2, True, ""),
        (ADMIN, ADMIN, "user", 2, False, "your own site role"),
        (ADMIN, OTHER_ADMIN, "user", 1, False, "last admin"),
        (ADMIN, USER, "user", 1, False, "already has"),
        (ADMIN, USER, "owner", 1, False, "Unknown site role"),
        (ADMIN, BANNED, "admin", 1, False, "banned user cannot be made an admin"),
        (ADMIN, BAN_EXPIRED, "admin", 1, True, ""),
        (USER, USER, "admin", 1, False, "Only site admins"),
        (USER, ADMIN, "user", 2, False, "Only site admins"),
    ],
)
def test_can_set_role(actor, target, role, admins, allowed, reason):
    verdict = p.can_set_role(actor=actor, target=target, role=role, admin_count=admins, now=NOW)
    assert bool(verdict) is allowed
    assert reason in verdict.reason


@pytest.mark.parametrize(
    ("actor", "target", "allowed"),
    [
        (ADMIN, USER, True),
        (ADMIN, OTHER_ADMIN, True),
        (ADMIN, BANNED, True),
        (ADMIN, ADMIN, False),
        (USER, OTHER_ADMIN, False),
    ],
)
def test_can_revoke_sessions(actor, target, allowed):
    assert bool(p.can_revoke_sessions(actor=actor, target=target)) is allowed


@pytest.mark.parametrize(
    ("actor", "target", "has_second_factor", "allowed"),
    [
        (ADMIN, USER, True, True),
        (ADMIN, OTHER_ADMIN, True, True),
        (ADMIN, USER, False, False),
        (ADMIN, ADMIN, True, False),
        (USER, USER, True, False),
    ],
)
def test_can_reset_second_factor(actor, target, has_second_factor, allowed):
    verdict = p.can_reset_second_factor(actor=actor, target=target, has_second_factor=has_second_factor)
    assert bool(verdict) is allowed


@pytest.mark.parametrize(
    ("actor", "target", "allowed", "reason"),
    [
        (ADMIN, USER, True, ""),
        (ADMIN, BAN_EXPIRED, True, ""),
        (ADMIN, ADMIN, False, "yourself"),
        (ADMIN, OTHER_ADMIN, False, "Admins cannot be impersonated"),
        (ADMIN, BANNED, False, "banned"),
        (ADMIN, BANNED_TILL_TOMORROW, False, "banned"),
        (USER, P(9), False, "Only site admins"),
    ],
)
def test_can_impersonate(actor, target, allowed, reason):
    verdict = p.can_impersonate(actor=actor, target=target, now=NOW)
    assert bool(verdict) is allowed
    assert reason in verdict.reason


def test_only_admins_view_the_console():
    assert p.can_view_console(actor=ADMIN)
    assert not p.can_view_console(actor=USER)
