"""The impersonation rules as tables: who may start, when a second factor is fresh, when it ends."""

from dataclasses import dataclass
from datetime import datetime, timedelta

import pytest

from accounts.impersonation import rules
from accounts.sessions.authentication import Authentication
from common.clock import unix_seconds

NOW = datetime(2030, 1, 15, 9, 0, 0)


@dataclass
class P:
    id: int
    site_role: str = "user"
    banned: bool = False

    def is_banned(self, now) -> bool:
        return self.banned


ADMIN = P(1, "admin")
SIGNED_IN = Authentication(1, "sid", ("pwd", "otp"), unix_seconds(NOW))
IMPERSONATING = Authentication(2, "sid", ("pwd", "otp"), unix_seconds(NOW), actor_id=1, reason="r", expires_at=0)


@pytest.mark.parametrize(
    ("actor", "auth", "target", "has_2fa", "refusal"),
    [
        (ADMIN, SIGNED_IN, P(2), True, None),
        (P(3), SIGNED_IN, P(2), True, "Only site admins"),
        (ADMIN, SIGNED_IN, ADMIN, True, "yourself"),
        (ADMIN, SIGNED_IN, P(2, "admin"), True, "Admins cannot be impersonated"),
        (ADMIN, SIGNED_IN, P(2, banned=True), True, "banned"),
        (ADMIN, SIGNED_IN, P(2), False, "Turn on two-factor"),
        (ADMIN, IMPERSONATING, P(3), True, "already impersonating"),
    ],
)
def test_who_may_start(actor, auth, target, has_2fa, refusal):
    verdict = rules.can_start(actor=actor, actor_auth=auth, target=target, actor_has_second_factor=has_2fa, now=NOW)
    assert bool(verdict) is (refusal is None)
    assert refusal is None or refusal in verdict.reason


@pytest.mark.parametrize(
    ("amr", "age", "fresh"),
    [
        (("pwd", "otp"), timedelta(0), True),
        (("pwd", "otp"), timedelta(minutes=10), True),
        (("pwd", "otp"), timedelta(minutes=10, seconds=1), False),
        (("pwd",), timedelta(0), False),
    ],
)
def test_a_second_factor_is_fresh_for_ten_minutes(amr, age, fresh):
    auth = Authentication(1, "sid", amr, unix_seconds(NOW - age))
    assert rules.second_factor_fresh(auth, NOW) is fresh


def test_it_lasts_sixty_minutes_at_most():
    ends = rules.ends_at(NOW)
    assert ends == unix_seconds(NOW + timedelta(minutes=60))
    auth = Authentication(2, "sid", ("pwd",), 0, actor_id=1, reason="r", expires_at=ends)
    assert not rules.is_over(auth, NOW + timedelta(minutes=59, seconds=59))
    assert rules.is_over(auth, NOW + timedelta(minutes=60))
    assert not rules.is_over(SIGNED_IN, NOW + timedelta(days=1))


@pytest.mark.parametrize(
    ("admin", "resumes"), [(ADMIN, True), (P(1, "user"), False), (P(1, "admin", banned=True), False), (None, False)]
)
def test_only_an_admin_in_good_standing_gets_their_sign_in_back(admin, resumes):
    assert rules.may_resume(admin, NOW) is resumes
