"""A per-user "not before": access tokens issued before a change at the provider are refused at once."""

from datetime import datetime

from ..extensions import db
from .models import SubjectNotBefore


def raise_not_before(site: str, iss: str, sub: str, at: datetime) -> None:
    """Refuse this user's tokens issued at or before `at` from now on (never lowers it); the caller commits."""
    row = db.session.get(SubjectNotBefore, (site, iss, sub))
    if row is None:
        db.session.add(SubjectNotBefore(site=site, iss=iss, sub=sub, not_before=at))
    elif row.not_before < at:
        row.not_before = at


def issued_too_early(site: str, iss: str, sub: str, issued_at: datetime) -> bool:
    """True when the token predates a change for this user.

    iat has whole seconds only, so a token of the very second of the change is refused too (its
    client refreshes): stale claims must never pass.
    """
    row = db.session.get(SubjectNotBefore, (site, iss, sub))
    return row is not None and issued_at <= row.not_before
