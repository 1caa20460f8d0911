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
    """The user a token or code speaks for: the facts the claims read (user_claims, resource_claims).

    `orgs` is their orgs claim, read in the same statement as the token or code.
    """

    id: int
    name: str
    email: str
    email_verified_at: datetime | None
    orgs: list[dict]

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


def split_rows(rows: list, *widths: int) -> tuple[list[tuple], GrantUser]:
    """The first row in pieces of these widths, and the GrantUser of the USER_COLUMNS after them.

    Its orgs claim comes from the membership columns of every row; a user without memberships comes back
    as one row whose org columns are all NULL.
    """
    pieces, start = [], 0
    for width in widths:
        pieces.append(tuple(rows[0][start : start + width]))
        start += width
    end = start + len(USER_COLUMNS)
    orgs = [claim_entry(*row[end:]) for row in rows if row[end] is not None]
    return pieces, GrantUser(*rows[0][start:end], orgs=orgs)
