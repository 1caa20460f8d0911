"""A tenant's server-side sessions; the tenant column keeps Acme's and Globex's apart."""

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from common.session_records import SessionRecordMixin

from ..extensions import db


class TenantSession(SessionRecordMixin, db.Model):
    """A browser session on one tenant site."""

    __tablename__ = "tenant_sessions"

    site: Mapped[str] = mapped_column(String(40), index=True)
