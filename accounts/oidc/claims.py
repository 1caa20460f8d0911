"""Which facts about a user a client may see, by scope (OIDC Core §5.4); shared by ID tokens and userinfo."""

from authlib.oauth2.rfc6749 import scope_to_list
from authlib.oidc.core import UserInfo

from ..identity.models import User
from ..orgs.claims import orgs_claim


def subject(user: User) -> str:
    """The stable `sub` of a user: their id, never the (changeable) email."""
    return str(user.id)


def user_claims(user: User, scope: str) -> UserInfo:
    """`sub` always; `name` with profile; `email` and `email_verified` with email; `orgs` with orgs."""
    claims = UserInfo(
        sub=subject(user),
        name=user.name,
        email=user.email,
        email_verified=user.email_verified_at is not None,
    ).filter(scope)
    claims.update(resource_claims(user, scope))
    return claims


def resource_claims(user: User, scope: str) -> dict:
    """Claims tenants need for authorization, in ID tokens, userinfo and access tokens (SPEC §2.6)."""
    if "orgs" not in scope_to_list(scope or ""):
        return {}
    return {"orgs": orgs_claim(user.id)}
