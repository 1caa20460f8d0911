"""Which facts about a user a client may see, by scope (OIDC Core §5.4); shared by ID tokens and userinfo."""

from authlib.oauth2.rfc6749 import scope_to_list
from authlib.oidc.core import UserInfo

from ..extensions import db
from ..identity.models import User
from .grant_rows import GrantUser
from .impersonation import Impersonation


def subject(user: User) -> str:
    """The stable `sub` of a user: their id, never the (changeable) email."""
    return str(user.id)


def user_claims(user: GrantUser, scope: str, impersonation: Impersonation | None = None) -> UserInfo:
    """`sub` always; `name` with profile; `email` and `email_verified` with email; `orgs` with orgs; `act` if acted."""
    claims = UserInfo(
        sub=subject(user),
        name=user.name,
        email=user.email,
        email_verified=user.email_verified_at is not None,
    ).filter(scope)
    claims.update(resource_claims(user, scope))
    claims.update(impersonation_claims(impersonation, with_name=True))
    return claims


def resource_claims(user: GrantUser, scope: str) -> dict:
    """Claims tenants need for authorization, in ID tokens, userinfo and access tokens (SPEC §2.6).

    The orgs claim is the one read in the same statement as the token or code (GrantUser.orgs): the
    memberships as they are at this request.
    """
    if "orgs" not in scope_to_list(scope or ""):
        return {}
    return {"orgs": user.orgs}


def impersonation_claims(impersonation: Impersonation | None, *, with_name: bool) -> dict:
    """RFC 8693 §4.1 `act` (the admin, by the same kind of `sub`) and why and until when; nothing otherwise.

    Whatever the scope: the client must know who really acts. Access tokens name the admin by `sub`
    only (with_name=False); ID tokens and userinfo, read by the client to show a banner, by name too.
    """
    if impersonation is None:
        return {}
    actor = db.session.get(User, impersonation.actor_id)
    act = {"sub": subject(actor), "name": actor.name} if with_name else {"sub": subject(actor)}
    return {"act": act, "impersonation": {"reason": impersonation.reason, "expires_at": impersonation.expires_at}}
