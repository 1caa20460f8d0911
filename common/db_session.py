"""The database session both sites use: it survives closing a connection the database already dropped."""

import logging

from flask_sqlalchemy.session import Session as FlaskSession
from sqlalchemy.exc import DBAPIError

from . import db_pool  # noqa: F401 (registers the idle-connection ping on every pool)

log = logging.getLogger(__name__)


class OutageTolerantSession(FlaskSession):
    """A restart of PostgreSQL mid-request kills the connection; the rollback at teardown then fails.

    SQLAlchemy has already invalidated that connection (the pool replaces it), so the failure is
    logged and swallowed: raised from teardown it would escape every error page as a bare 500.
    """

    def close(self) -> None:
        try:
            super().close()
        except DBAPIError as error:
            if not error.connection_invalidated:
                raise
            log.warning("Closed a session whose connection the database had dropped: %s", type(error.orig).__name__)
