"""Which facts about a user a client may see, by scope (OIDC Core §5.4); shared by ID tokens and userinfo."""

from authlib.oidc.core import UserInfo

from ..identity.models import User


def subject(user: User) -> str:
    """The stable `sub` of a user: their id, never the (changeable) email."""
    return str(user.id)


def user_claims(user: User, scope: str) -> UserInfo:
    """`sub` always; `name` with profile; `email` and `email_verified` with email."""
    claims = UserInfo(
        sub=subject(user),
        name=user.name,
        email=user.email,
        email_verified=user.email_verified_at is not None,
    )
    return claims.filter(scope)
