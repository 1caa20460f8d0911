"""The org each user last switched to, kept per site and iss+sub so that a new sign-in starts there."""

from datetime import datetime

from sqlalchemy.exc import IntegrityError

from ..extensions import db
from .models import LastActiveOrg


def recall(site: str, iss: str, sub: str) -> str | None:
    """The org id the user last switched to on this site, or None (the caller checks it is still theirs)."""
    row = db.session.get(LastActiveOrg, (site, iss, sub))
    return row.org_id if row else None


def remember(site: str, iss: str, sub: str, org_id: str, now: datetime) -> None:
    """Keep org_id as the user's last active org on this site (one row per user, overwritten)."""
    row = db.session.get(LastActiveOrg, (site, iss, sub))
    if row is None:
        db.session.add(LastActiveOrg(site=site, iss=iss, sub=sub, org_id=org_id, switched_at=now))
    else:
        row.org_id, row.switched_at = org_id, now
    try:
        db.session.commit()
    except IntegrityError:
        # The same user's first switch in another tab inserted the row first: either choice is "the last".
        db.session.rollback()
