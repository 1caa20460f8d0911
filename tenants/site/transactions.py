"""How a tenant request talks to its database: GET and HEAD without BEGIN and ROLLBACK round trips."""

from flask import request

from common.autocommit import run_in_autocommit

from ..extensions import db

SAFE_METHODS = {"GET", "HEAD"}


def reads_autocommit() -> None:
    """Each statement of a GET or HEAD on its own (autocommit), from the request's first statement on.

    READ COMMITTED reads each statement's latest commits either way, and every write a GET makes (the
    session's last-seen, a token refresh, a sign-in's token set and session row) commits at once on its
    own already; POST, PATCH and DELETE keep their transaction, so their writes stay all or nothing.
    """
    if request.method in SAFE_METHODS and not db.session().in_transaction():
        # A connection of the autocommit engine: no switch to autocommit and back on this checkout (~3%).
        run_in_autocommit(db.session())
