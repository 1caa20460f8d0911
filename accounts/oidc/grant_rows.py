"""What the hot-path reads share: the user a grant speaks for, and their orgs claim joined to the same statement."""

from dataclasses import dataclass
from datetime import datetime

from ..identity.models import User
from ..orgs.claims import CLAIM_COLUMNS, CLAIM_ORDER, claim_entry, memberships_joined

_u = User.__table__.c
# The columns a GrantUser is made of, in its field order.
USER_COLUMNS = (_u.id, _u.name, _u.email, _u.email_verified_at)


@dataclass(frozen=True)
class GrantUser:
    """The user a token or code speaks for: the facts the claims read (user_claims, resource_claims)."""

    id: int
    name: str
    email: str
    email_verified_at: datetime | None

    def get_user_id(self) -> int:
        """The id Authlib puts in `sub` (its user protocol), as the ORM User answers it."""
        return self.id


def with_orgs_claim(statement, joined, user_id_column):
    """statement over `joined` plus the user's memberships: one row per membership, in the claim's order.

    A second statement for the orgs claim cost as much as the first one; joined, it costs a few rows.
    """
    return (
        statement.add_columns(*CLAIM_COLUMNS)
        .select_from(memberships_joined(joined, user_id_column))
        .order_by(*CLAIM_ORDER)
    )


def split_orgs_claim(rows: list, width: int) -> tuple[tuple, list[dict]]:
    """The first `width` columns of the first row, and the orgs claim from the membership columns of every row."""
    # A user without memberships comes back as one row whose org columns are all NULL.
    return tuple(rows[0][:width]), [claim_entry(*row[width:]) for row in rows if row[width] is not None]


def cut(row: tuple, *widths: int) -> list[tuple]:
    """row in consecutive pieces of these widths, and what is left as the last piece."""
    pieces, start = [], 0
    for width in widths:
        pieces.append(tuple(row[start : start + width]))
        start += width
    return [*pieces, tuple(row[start:])]
