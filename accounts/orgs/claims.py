"""The `orgs` claim (SPEC §2.6): what tenants learn about a user's organizations and roles."""

from functools import cache

from sqlalchemy import bindparam, select

from ..extensions import db
from .models import Membership, Organization

_m, _o = Membership.__table__.c, Organization.__table__.c
# What one entry is made of, and the claim's order: the personal space first, then by name.
CLAIM_COLUMNS = (_o.id, _o.slug, _o.name, _m.role, _o.personal_user_id)
CLAIM_ORDER = (_o.personal_user_id.is_(None), _o.name, _o.id)


def memberships_joined(joined, user_id_column):
    """`joined` outer-joined to the memberships (and their orgs) of the user in `user_id_column`."""
    return joined.outerjoin(Membership.__table__, _m.user_id == user_id_column).outerjoin(
        Organization.__table__, _m.org_id == _o.id
    )


def claim_entry(org_id: int, slug: str, name: str, role: str, personal_user_id: int | None) -> dict:
    """One entry of the claim from the CLAIM_COLUMNS of a row: id a string, like `sub`."""
    return {"id": str(org_id), "slug": slug, "name": name, "role": role, "personal": personal_user_id is not None}


@cache
def _claim_rows():
    # Core rows, not ORM objects: it runs on every token and refresh request, and loading Membership and
    # Organization entities cost more CPU than the query itself. Built once, with a bound parameter.
    return (
        select(*CLAIM_COLUMNS)
        .select_from(Membership.__table__.join(Organization.__table__, _m.org_id == _o.id))
        .where(_m.user_id == bindparam("user_id"))
        .order_by(*CLAIM_ORDER)
    )


def orgs_claim(user_id: int) -> list[dict]:
    """One entry per membership, personal space first: id, slug, name, role, personal."""
    return [claim_entry(*row) for row in db.session.execute(_claim_rows(), {"user_id": user_id})]
