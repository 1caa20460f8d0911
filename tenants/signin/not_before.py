"""A per-user "not before": access tokens issued before a change at the provider are refused at once."""

from datetime import datetime

from sqlalchemy import bindparam, select

from ..extensions import db
from .models import SubjectNotBefore

# Core on the table, built once: every bearer call reads this, and loading an ORM object cost a fifth of one.
_table = SubjectNotBefore.__table__
_NOT_BEFORE = select(_table.c.not_before).where(
    _table.c.site == bindparam("site"), _table.c.iss == bindparam("iss"), _table.c.sub == bindparam("sub")
)


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
    not_before = db.session.execute(_NOT_BEFORE, {"site": site, "iss": iss, "sub": sub}).scalar()
    return not_before is not None and issued_at <= not_before
