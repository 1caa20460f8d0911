"""Upstream identities linked to Accounts users: by (iss, sub), never by email alone."""

from datetime import datetime

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from common.clock import utcnow

from ..extensions import db


class FederatedIdentity(db.Model):
    """One account at an upstream provider, linked to one Gatehouse user."""

    __tablename__ = "federated_identities"
    # OIDC Core §2: iss + sub is the only stable, unique identifier of an end-user at a provider.
    __table_args__ = (UniqueConstraint("iss", "sub", name="uq_federated_identities_iss_sub"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    provider: Mapped[str] = mapped_column(String(32))  # the provider file's slug, for the security page
    iss: Mapped[str] = mapped_column(String(255))
    sub: Mapped[str] = mapped_column(String(255))
    # The upstream's address at link time, shown on the security page; never used to find the user.
    email: Mapped[str | None] = mapped_column(String(254))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_used_at: Mapped[datetime | None]
