"""Users and the single-use tokens mailed to them."""

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, text
from sqlalchemy.orm import Mapped, mapped_column, validates

from common.clock import utcnow

from ..extensions import db


class User(db.Model):
    """A person with an Accounts login."""

    __tablename__ = "users"
    # The admin users list walks these in order (keyset pagination), whatever the table size.
    __table_args__ = (
        Index("ix_users_created_at_id", "created_at", "id"),
        Index("ix_users_search_name_id", "search_name", "id"),
        Index("ix_users_site_role_created_at_id", "site_role", "created_at", "id"),
        # Partial and covering: only banned rows, with their end, so the "banned" filter never reads the table.
        Index(
            "ix_users_banned_created_at_id",
            "created_at",
            "id",
            "banned_until",
            sqlite_where=text("banned_at IS NOT NULL"),
            postgresql_where=text("banned_at IS NOT NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # Stored normalised (see normalise_email), so the unique index is case-insensitive.
    email: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str] = mapped_column(String(100))
    # "" for an account made by an upstream sign-in: no password until one is set through reset.
    password_hash: Mapped[str] = mapped_column(String(200))
    email_verified_at: Mapped[datetime | None]
    site_role: Mapped[str] = mapped_column(String(20), default="user")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    password_changed_at: Mapped[datetime] = mapped_column(default=utcnow)
    # The lower-cased name, so the admin search is an index range on SQLite and PostgreSQL alike.
    search_name: Mapped[str] = mapped_column(String(100), default="")
    # Set by an admin ban (SPEC §2.7); banned_until None means until unbanned.
    banned_at: Mapped[datetime | None]
    banned_until: Mapped[datetime | None]
    ban_reason: Mapped[str | None] = mapped_column(String(500))

    @validates("name")
    def _keep_search_name(self, _key: str, name: str) -> str:
        self.search_name = name.lower()
        return name

    @property
    def is_admin(self) -> bool:
        return self.site_role == "admin"

    @property
    def has_password(self) -> bool:
        return bool(self.password_hash)

    def is_banned(self, now: datetime) -> bool:
        """True while a ban is in force; an expired ban no longer counts."""
        return self.banned_at is not None and (self.banned_until is None or now < self.banned_until)

    def get_user_id(self) -> int:
        """The id Authlib puts in `sub` (its user protocol)."""
        return self.id


class EmailToken(db.Model):
    """A single-use, expiring link token (verify email, reset password); only its hash is stored."""

    __tablename__ = "email_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    purpose: Mapped[str] = mapped_column(String(20))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    email: Mapped[str] = mapped_column(String(254))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]
    used_at: Mapped[datetime | None]
