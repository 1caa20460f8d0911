"""One row per Accounts browser session; the cookie holds a random token whose hash is the key."""

from sqlalchemy import ForeignKey
from sqlalchemy.orm import Mapped, mapped_column

from common.session_records import SessionRecordMixin

from ..extensions import db


class UserSession(SessionRecordMixin, db.Model):
    """A browser session, anonymous until someone signs in on it."""

    __tablename__ = "sessions"

    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
