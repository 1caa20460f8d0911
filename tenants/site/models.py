"""A tenant's server-side sessions; the site column keeps Acme's and Globex's apart."""

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from common.session_records import SessionRecordMixin

from ..extensions import db


class TenantSession(SessionRecordMixin, db.Model):
    """A browser session on one tenant site."""

    __tablename__ = "tenant_sessions"

    site: Mapped[str] = mapped_column(String(40), index=True)
    # Who signed in and in which provider session: what a back-channel logout token names.
    sub: Mapped[str | None] = mapped_column(String(255), index=True)
    op_sid: Mapped[str | None] = mapped_column(String(255), index=True)
