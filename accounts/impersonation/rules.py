"""Impersonation rules (SPEC §2.8): who may start, how fresh the admin's second factor must be, how long it lasts.

Plain functions over facts; the views and flows ask here and nowhere else.
"""

from datetime import datetime, timedelta

from common.clock import unix_seconds

from ..admin.permissions import Person, Verdict, can_impersonate
from ..oidc.assurance import used_second_factor
from ..sessions.authentication import Authentication

MAX_DURATION = timedelta(minutes=60)
# An admin acting as someone else proves a second factor just before: a session left open is not enough.
SECOND_FACTOR_FRESHNESS = timedelta(minutes=10)
REASON_MAX = 500


def can_start(
    *, actor: Person, actor_auth: Authentication, target: Person, actor_has_second_factor: bool, now: datetime
) -> Verdict:
    """An admin with a second factor, not already impersonating, acting as a non-admin, non-banned other user."""
    if actor_auth.impersonated:
        return Verdict(False, "You are already impersonating someone: stop first.")
    if not (verdict := can_impersonate(actor=actor, target=target, now=now)):
        return verdict
    if not actor_has_second_factor:
        return Verdict(False, "Turn on two-factor authentication first: impersonating needs a second factor.")
    return Verdict(True)


def second_factor_fresh(auth: Authentication, now: datetime) -> bool:
    """True when this sign-in used a second factor within the last ten minutes."""
    age = unix_seconds(now) - auth.auth_time
    return used_second_factor(list(auth.amr)) and age <= SECOND_FACTOR_FRESHNESS.total_seconds()


def ends_at(now: datetime) -> int:
    """When an impersonation started now ends at the latest (unix seconds)."""
    return unix_seconds(now + MAX_DURATION)


def is_over(auth: Authentication, now: datetime) -> bool:
    """True once an impersonating session has passed its end."""
    return auth.impersonated and auth.expires_at is not None and unix_seconds(now) >= auth.expires_at


def may_resume(admin: Person | None, now: datetime) -> bool:
    """The parked admin signs back in only if they still are an admin in good standing."""
    return admin is not None and admin.site_role == "admin" and not admin.is_banned(now)
