"""The tenant's session store: the session row and its token set in one Core SELECT (every signed-in request)."""

from collections import namedtuple
from datetime import datetime

from sqlalchemy import bindparam, select

from common.session_records import SqlSessionStore

from ..extensions import db
from ..signin.models import TokenSet
from .models import TenantSession
from .transactions import reads_autocommit

_sessions = TenantSession.__table__
_token_sets = TokenSet.__table__
# Plain rows, built once: loading the two ORM objects cost more than the page's todo list (issue 11).
_LOAD = (
    select(
        _sessions.c.data,
        _sessions.c.public_id,
        _sessions.c.site,
        _sessions.c.last_seen_at,
        _sessions.c.expires_at,
        *(column.label(f"token_set_{column.name}") for column in _token_sets.c),
    )
    .select_from(_sessions.outerjoin(_token_sets, _token_sets.c.id == _sessions.c.token_set_id))
    .where(_sessions.c.key == bindparam("key"))
)
_TOKEN_SET_COLUMNS = tuple(column.name for column in _token_sets.c)
# A token set as read with the session: its values at this request's first look (tokens.fresh_access_token).
TokenSetRow = namedtuple("TokenSetRow", _TOKEN_SET_COLUMNS)


class TenantSessionStore(SqlSessionStore):
    """SqlSessionStore whose load reads the token set with the session; saving and deleting are the same."""

    def load(self, key: str, now: datetime) -> dict | None:
        """SqlSessionStore.load's rules (is_live); the record is the session's token set (a row) or None."""
        reads_autocommit()  # the request's first statement: a GET reads without a transaction from here on
        row = db.session.execute(_LOAD, {"key": key}).first()
        if not self.is_live(row, now):
            return None
        mapping = row._mapping
        token_set = None
        if row.token_set_id is not None:
            token_set = TokenSetRow(**{name: mapping[f"token_set_{name}"] for name in _TOKEN_SET_COLUMNS})
        return self.loaded(row, record=token_set)
