"""A tenant's server-side sessions; the site column keeps Acme's and Globex's apart."""

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from common.session_records import SessionRecordMixin

from ..extensions import db


class TenantSession(SessionRecordMixin, db.Model):
    """A browser session on one tenant site."""

    __tablename__ = "tenant_sessions"

    site: Mapped[str] = mapped_column(String(40), index=True)
    # Who signed in (iss + sub, OIDC Core §5.7) and in which provider session: what a logout token names.
    iss: Mapped[str | None] = mapped_column(String(255))
    sub: Mapped[str | None] = mapped_column(String(255), index=True)
    op_sid: Mapped[str | None] = mapped_column(String(255), index=True)
    # No foreign key: token sets are dropped on their own (logout, refused refresh) and the session notices.
    # Read with the session in one SELECT (site/session_store.py), so the signed-in check costs no second round trip.
    token_set_id: Mapped[str | None] = mapped_column(String(43))
