"""Personal spaces: every user owns one org of one (SPEC §3.2), made in the same transaction as the user.

Creating it with the user (whichever way the user is created: sign-up, CLI, tests) means the
`orgs` claim is a plain read that never writes. The migration that added organizations made one
for every user who already existed. Rows inserted with Core `insert(User)` bypass ORM events and
would need `create_personal_space` called by hand.
"""

from sqlalchemy import Connection, event, insert

from common.clock import utcnow

from ..identity.models import User
from .models import Membership, Organization
from .rules import PERSONAL_SLUG_PREFIX, Role

PERSONAL_NAME = "Personal space"


def personal_slug(user_id: int) -> str:
    """The reserved slug of a user's personal space."""
    return f"{PERSONAL_SLUG_PREFIX}{user_id}"


def create_personal_space(connection: Connection, user_id: int) -> int:
    """Insert the user's personal space with them as its owner; return its id."""
    now = utcnow()
    org_id = connection.execute(
        insert(Organization).values(
            name=PERSONAL_NAME, slug=personal_slug(user_id), personal_user_id=user_id, created_at=now
        )
    ).inserted_primary_key[0]
    connection.execute(insert(Membership).values(org_id=org_id, user_id=user_id, role=Role.OWNER.value, created_at=now))
    return org_id


@event.listens_for(User, "after_insert")
def _personal_space_for_new_user(mapper, connection: Connection, user: User) -> None:
    """ORM hook: a new user row gets its personal space in the same flush."""
    create_personal_space(connection, user.id)
