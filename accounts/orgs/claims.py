"""The `orgs` claim (SPEC §2.6): what tenants learn about a user's organizations and roles."""

from functools import cache

from sqlalchemy import bindparam, select

from ..extensions import db
from .models import Membership, Organization


@cache
def _claim_rows():
    # Core rows, not ORM objects: it runs on every token, refresh and userinfo request, and loading
    # Membership and Organization entities cost more CPU than the query itself. Built once, bound parameter.
    m, o = Membership.__table__.c, Organization.__table__.c
    return (
        select(o.id, o.slug, o.name, m.role, o.personal_user_id)
        .select_from(Membership.__table__.join(Organization.__table__, m.org_id == o.id))
        .where(m.user_id == bindparam("user_id"))
        .order_by(o.personal_user_id.is_(None), o.name, o.id)
    )


def orgs_claim(user_id: int) -> list[dict]:
    """One entry per membership, personal space first: id (a string, like `sub`), slug, name, role, personal."""
    return [
        {"id": str(org_id), "slug": slug, "name": name, "role": role, "personal": personal_user_id is not None}
        for org_id, slug, name, role, personal_user_id in db.session.execute(_claim_rows(), {"user_id": user_id})
    ]
