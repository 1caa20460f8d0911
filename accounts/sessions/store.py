"""The Accounts session store: each session row is read with its user, in one statement (every signed-in request)."""

from datetime import datetime

from sqlalchemy import bindparam, select

from common.session_records import SqlSessionStore

from ..extensions import db
from ..identity.models import User
from .models import UserSession

_sessions = UserSession.__table__
# Built once; the session as plain columns (no ORM object for it), its user as the ORM User the views use.
_LOAD = (
    select(User, _sessions.c.data, _sessions.c.public_id, _sessions.c.last_seen_at, _sessions.c.expires_at)
    .select_from(_sessions)
    .outerjoin(User, User.id == _sessions.c.user_id)
    .where(_sessions.c.key == bindparam("key"))
)


class AccountsSessionStore(SqlSessionStore):
    """SqlSessionStore whose load brings the signed-in user along; saving and deleting are the same."""

    def load(self, key: str, now: datetime) -> dict | None:
        """SqlSessionStore.load's rules (is_live); the record is the session's user (an ORM User) or None.

        Held by the session, the user stays in the ORM identity map (which keeps objects only while they
        are referenced), so authentication.load's db.session.get finds it without a second statement.
        """
        row = db.session.execute(_LOAD, {"key": key}).first()
        if not self.is_live(row, now):
            return None
        return self.loaded(row, record=row.User)
