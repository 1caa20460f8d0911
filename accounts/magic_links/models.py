"""The magic-link table: one row per mailed sign-in link, holding only hashes of the link and of its browser."""

from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from common.clock import utcnow

from ..extensions import db


class MagicLink(db.Model):
    """A sign-in link mailed to a user: single use, short-lived, and good only in the browser that asked for it."""

    __tablename__ = "magic_links"

    id: Mapped[int] = mapped_column(primary_key=True)
    # SHA-256 of the token in the link: a database read does not give anyone a working link.
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    # SHA-256 of the random value in the asking browser's cookie: the link works in that browser only.
    browser_hash: Mapped[str] = mapped_column(String(64))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    # The address it was mailed to: after an email change the link no longer speaks for the account.
    email: Mapped[str] = mapped_column(String(254))
    # Where the sign-in goes afterwards (already a same-site path), kept here rather than in the link.
    next_url: Mapped[str] = mapped_column(String(2000), default="/")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(index=True)
    used_at: Mapped[datetime | None]
