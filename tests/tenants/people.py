"""The cast of the todo tests: who they are to the tenant is only a `sub` and an `orgs` claim."""

from dataclasses import dataclass

from tenants.todos.scoping import Viewer, viewer_from_claims

ISSUER = "http://localhost:5000"  # the provider both tenant files name
ORG = "42"  # the shared organization of the tests ("Initech")
OTHER_ORG = "77"  # an org the outsider belongs to, and nobody else here


@dataclass(frozen=True)
class Person:
    """A test user: their sub, name and role in ORG (None: not a member of ORG)."""

    key: str
    sub: str
    name: str
    role: str | None

    @property
    def personal_org(self) -> str:
        return f"p-{self.sub}"

    @property
    def orgs(self) -> list[dict]:
        """The `orgs` claim the provider would send for this person."""
        claim = [
            {"id": self.personal_org, "slug": self.personal_org, "name": "Personal", "role": "owner", "personal": True}
        ]
        if self.role:
            claim.append({"id": ORG, "slug": "initech", "name": "Initech", "role": self.role, "personal": False})
        else:
            claim.append({"id": OTHER_ORG, "slug": "hooli", "name": "Hooli", "role": "owner", "personal": False})
        return claim

    @property
    def viewer(self) -> Viewer:
        return viewer_from_claims(ISSUER, self.sub, self.orgs, self.name)


OWNER = Person("owner", "sub-owner", "Olivia Owner", "owner")
ADMIN = Person("admin", "sub-admin", "Adam Admin", "admin")
MEMBER = Person("member", "sub-member", "Mia Member", "member")
AUTHOR = Person("author", "sub-author", "Aaron Author", "member")  # writes the todos the others look at
OUTSIDER = Person("non-member", "sub-outsider", "Otto Outsider", None)
PEOPLE = {p.key: p for p in (OWNER, ADMIN, MEMBER, AUTHOR, OUTSIDER)}
