"""Who is signed in on this tenant: known only from the provider's tokens (sub and claims)."""

import logging
from dataclasses import dataclass, field

import requests
from authlib.integrations.base_client.errors import OAuthError
from flask import current_app, g, session

from common.clock import utcnow

from .client import provider
from .impersonation import Impersonation, MalformedImpersonation, impersonation_from_claims
from .tokens import RefreshFailed, drop_token_sets, fresh_access_token, get_token_set

log = logging.getLogger(__name__)

# Claims that userinfo may change after a refresh (a role change, a new name).
REFRESHED_CLAIMS = ("name", "email", "email_verified", "orgs")
# ID-token claims kept in the local session for pages and the flow inspector.
KEPT_CLAIMS = (
    "iss",
    "sub",
    "aud",
    "exp",
    "iat",
    "auth_time",
    "amr",
    "acr",
    "sid",
    "name",
    "email",
    "email_verified",
    "orgs",
    "act",
    "impersonation",
)


@dataclass(frozen=True)
class Identity:
    """The signed-in user as this tenant knows them."""

    sub: str
    name: str
    email: str | None
    orgs: list = field(default_factory=list)
    impersonation: Impersonation | None = None  # RFC 8693 `act`: set while an admin acts as this user


def begin_local_session(claims: dict, token_set_id: str, auth_request: dict) -> None:
    """Sign the user named by a validated ID token in here, under a new cookie token (no fixation).

    The same user signing in again (a step-up) keeps this session and what else it holds, such as
    the active org; only claims and tokens are replaced. Anyone else ends the session signed in
    here, and a fresh one begins. The old tokens are dropped either way.
    """
    same_user = session.get("sub") == claims["sub"]
    if session.get("token_set_id"):
        drop_token_sets(current_app.config["SITE"], token_set_id=session["token_set_id"])
    if not same_user:
        session.clear()
    session.rotate(keep_sid=same_user)
    session["sub"] = claims["sub"]
    session["op_sid"] = claims.get("sid")
    session["token_set_id"] = token_set_id
    session["claims"] = {k: claims[k] for k in KEPT_CLAIMS if k in claims}
    session["auth_request"] = auth_request


def end_local_session() -> str | None:
    """Forget this session and its tokens; return the ID token for the provider's end-session call."""
    id_token = None
    token_set_id = session.get("token_set_id")
    if token_set_id:
        row = get_token_set(token_set_id, current_app.config["SITE"])
        id_token = row.id_token if row else None
        drop_token_sets(current_app.config["SITE"], token_set_id=token_set_id)
    session.clear()
    g.identity = None
    return id_token


def load_identity() -> None:
    """before_request: put the signed-in Identity (or None) on g.identity, refreshing tokens if due."""
    g.identity = None
    if "sub" not in session:
        return
    try:
        fresh_access_token(session["token_set_id"], current_app.config["SITE"], _refresh_with_provider, now_fn=utcnow)
    except RefreshFailed:
        # SPEC §2.5: a refused refresh ends the local session (the provider revoked it).
        session.clear()
        return
    claims = session.get("claims", {})
    try:
        impersonation = impersonation_from_claims(claims)
    except MalformedImpersonation:
        # Checked at sign-in and refresh; a session holding anything else fails closed rather than guess the actor.
        session.clear()
        return
    g.identity = Identity(
        sub=session["sub"],
        name=claims.get("name") or claims.get("email") or "Signed-in user",
        email=claims.get("email"),
        orgs=claims.get("orgs") or [],
        impersonation=impersonation,
    )


def _refresh_with_provider(refresh_token: str) -> dict:
    """Refresh the tokens, then re-read the user's claims so role changes arrive within a token lifetime."""
    token = provider().fetch_access_token(grant_type="refresh_token", refresh_token=refresh_token)
    try:
        info = provider().userinfo(token=token)
    except (requests.RequestException, ValueError, OAuthError) as error:
        # The new tokens are already ours (the old refresh token is spent): keep them, claims stay as they were.
        log.warning("userinfo after refresh failed: %s", error)
        return token
    if info.get("sub") == session.get("sub"):
        claims = session.get("claims", {})
        acting = _refreshed_impersonation(claims, info)
        session["claims"] = claims | {k: info[k] for k in REFRESHED_CLAIMS if k in info} | acting
        if "orgs" not in info:
            session["claims"].pop("orgs", None)
    return token


def _refreshed_impersonation(claims: dict, info: dict) -> dict:
    """The `act`/`impersonation` claims to keep after userinfo; raise (ending the session) if they contradict sign-in.

    The actor is fixed for a provider session: userinfo may update the details (reason, end) of the
    same actor, but silence never erases the actor (writes would lose their attribution), and a new
    or malformed actor is refused (MalformedImpersonation makes the refresh fail, so the session ends).
    """
    if "act" not in info:
        return {}
    before, after = impersonation_from_claims(claims), impersonation_from_claims(info)
    if before is None or after is None or after.actor_sub != before.actor_sub:
        raise MalformedImpersonation("userinfo names another actor than the sign-in did")
    return {k: info[k] for k in ("act", "impersonation") if k in info}
