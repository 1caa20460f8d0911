"""The `orgs` claim (SPEC §2.6): what tenants learn about a user's organizations and roles."""

from .services import memberships_of


def orgs_claim(user_id: int) -> list[dict]:
    """One entry per membership, personal space first: id (a string, like `sub`), slug, name, role, personal."""
    return [
        {
            "id": str(m.org.id),
            "slug": m.org.slug,
            "name": m.org.name,
            "role": m.role,
            "personal": m.org.personal,
        }
        for m in memberships_of(user_id)
    ]
