"""Which facts about a user a client may see, by scope (OIDC Core §5.4); shared by ID tokens and userinfo."""

from authlib.oauth2.rfc6749 import scope_to_list
from authlib.oidc.core import UserInfo
from flask import g, has_request_context

from ..extensions import db
from ..identity.models import User
from ..orgs.claims import orgs_claim
from .impersonation import Impersonation


def subject(user: User) -> str:
    """The stable `sub` of a user: their id, never the (changeable) email."""
    return str(user.id)


def user_claims(
    user: User, scope: str, impersonation: Impersonation | None = None, orgs: list[dict] | None = None
) -> UserInfo:
    """`sub` always; `name` with profile; `email` and `email_verified` with email; `orgs` with orgs; `act` if acted.

    `orgs` is the user's orgs claim when the caller read it already (with the token); otherwise it is read here.
    """
    claims = UserInfo(
        sub=subject(user),
        name=user.name,
        email=user.email,
        email_verified=user.email_verified_at is not None,
    ).filter(scope)
    claims.update(resource_claims(user, scope, orgs))
    claims.update(impersonation_claims(impersonation, with_name=True))
    return claims


def resource_claims(user: User, scope: str, orgs: list[dict] | None = None) -> dict:
    """Claims tenants need for authorization, in ID tokens, userinfo and access tokens (SPEC §2.6)."""
    if "orgs" not in scope_to_list(scope or ""):
        return {}
    if orgs is None:
        orgs = _orgs_of_request(user.id)
    return {"orgs": orgs}


def _orgs_of_request(user_id: int) -> list[dict]:
    """The orgs claim, read once per request: a code exchange states it twice (access token and ID token).

    The memo lives in this request's g and dies with it: membership changes count from the next request.
    """
    if not has_request_context():
        return orgs_claim(user_id)
    memo = g.setdefault("orgs_claims", {})
    if user_id not in memo:
        memo[user_id] = orgs_claim(user_id)
    return memo[user_id]


def remember_orgs_claim(user_id: int, orgs: list[dict]) -> None:
    """The orgs claim a statement of this request read with the grant: the claims of its tokens use it."""
    if has_request_context():
        g.setdefault("orgs_claims", {})[user_id] = orgs


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
