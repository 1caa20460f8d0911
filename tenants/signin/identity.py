"""Who is signed in on this tenant: known only from the provider's tokens (iss, sub and claims)."""

import logging
import time
from dataclasses import dataclass, field

import requests
from authlib.integrations.base_client.errors import OAuthError
from flask import current_app, g, redirect, request, session, url_for

from common.clock import utcnow
from common.errors import render_error

from . import resume
from .client import provider
from .impersonation import Impersonation, MalformedImpersonation, impersonation_from_claims
from .tokens import (
    NeedsReauthentication,
    RefreshFailed,
    RefreshUnavailable,
    drop_token_sets,
    fresh_access_token,
    get_token_set,
)

log = logging.getLogger(__name__)

PROVIDER_DOWN = "Accounts, where you sign in, cannot be reached right now. You are still signed in: try again shortly."

# Profile claims (OIDC Core §5.1) a provider may keep out of the ID token and give only at userinfo;
# userinfo after a refresh updates them (a new name), and the orgs claim (a role change).
PROFILE_CLAIMS = ("name", "given_name", "family_name", "preferred_username", "email", "email_verified")
# A second silent re-authentication this soon after the last means the provider's tokens do not last: stop.
REAUTH_MIN_INTERVAL_SECONDS = 10
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
    *PROFILE_CLAIMS,
    "act",
    "impersonation",
)


@dataclass(frozen=True)
class Identity:
    """The signed-in user as this tenant knows them: (iss, sub) names them (OIDC Core §5.7)."""

    iss: str
    sub: str
    name: str
    email: str | None
    orgs: list = field(default_factory=list)
    impersonation: Impersonation | None = None  # RFC 8693 `act`: set while an admin acts as this user


def orgs_claim_name() -> str | None:
    """The claim this tenant trusts for org memberships (None: it trusts none)."""
    return current_app.config["TENANT"].orgs_claim


def kept_claims(claims: dict) -> dict:
    """The claims a local session keeps: KEPT_CLAIMS and the trusted orgs claim."""
    names = (*KEPT_CLAIMS, orgs_claim_name()) if orgs_claim_name() else KEPT_CLAIMS
    return {k: claims[k] for k in names if k in claims}


def display_name(claims: dict) -> str:
    """What pages call the user: name, else given and family name, preferred_username or email."""
    given = " ".join(claims[k] for k in ("given_name", "family_name") if isinstance(claims.get(k), str))
    for candidate in (claims.get("name"), given, claims.get("preferred_username"), claims.get("email")):
        if isinstance(candidate, str) and candidate.strip():
            return candidate.strip()
    return "Signed-in user"


def with_userinfo(claims: dict, token: dict) -> dict:
    """The ID token's claims, completed from userinfo when they lack the profile (OIDC Core §5.3).

    The ID token stays authoritative: userinfo only adds claims it lacks, and only for the same
    `sub` (§5.3.4, a userinfo answer for someone else is a substitution attack).
    """
    wanted = (*PROFILE_CLAIMS, orgs_claim_name()) if orgs_claim_name() else PROFILE_CLAIMS
    if "name" in claims and "email" in claims and (not orgs_claim_name() or orgs_claim_name() in claims):
        return claims
    try:
        if not provider().load_server_metadata().get("userinfo_endpoint"):
            return claims
        info = provider().userinfo(token=token)
    except (requests.RequestException, ValueError, OAuthError) as error:
        log.warning("Userinfo at sign-in failed, using the ID token's claims alone: %s", error)
        return claims
    if info.get("sub") != claims["sub"]:
        log.warning("Userinfo at sign-in named another sub than the ID token; ignored")
        return claims
    return claims | {k: info[k] for k in wanted if k in info and k not in claims}


def begin_local_session(claims: dict, token_set_id: str, auth_request: dict) -> None:
    """Sign the user named by a validated ID token in here, under a new cookie token (no fixation).

    The same user signing in again (a step-up) keeps this session and what else it holds, such as
    the active org; only claims and tokens are replaced. Anyone else ends the session signed in
    here, and a fresh one begins. The old tokens are dropped either way.
    """
    same_user = (session.get("iss"), session.get("sub")) == (claims["iss"], claims["sub"])
    if session.get("token_set_id"):
        drop_token_sets(current_app.config["SITE"], token_set_id=session["token_set_id"])
    if not same_user:
        # What the user typed before a sign-out on the way here is theirs alone.
        pending = resume.take_post(claims["iss"], claims["sub"])
        session.clear()
        resume.restore(pending)
    session.rotate(keep_sid=same_user)
    session["iss"] = claims["iss"]
    session["sub"] = claims["sub"]
    session["op_sid"] = claims.get("sid")
    session["token_set_id"] = token_set_id
    session["claims"] = kept_claims(claims)
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


def current_identity() -> Identity | None:
    """The signed-in user of this request, as load_identity found them."""
    return g.get("identity")


def load_identity():
    """before_request: put the signed-in Identity (or None) on g.identity, refreshing tokens if due.

    Without a refresh token, an expiring sign-in is renewed silently (prompt=none); a POST met on the
    way is stashed first and offered again afterwards, so nothing the user typed is lost.
    """
    g.identity = None
    if "sub" not in session:
        return None
    # Sessions begun before issuers were recorded name theirs in the ID-token claims they kept.
    session.setdefault("iss", session.get("claims", {}).get("iss"))
    if session["iss"] != current_app.config["TENANT"].issuer:
        # OIDC Core §5.7: a session from another issuer than the configured one is someone else's.
        session.clear()
        return None
    try:
        fresh_access_token(
            session["token_set_id"],
            current_app.config["SITE"],
            _refresh_with_provider,
            now_fn=utcnow,
            # The session store read the token set with the session row (site/session_store.py).
            preloaded=getattr(session, "record", None),
        )
    except NeedsReauthentication as reason:
        if _navigational() and not _reauthenticated_just_now():
            return _reauthenticate(str(reason))
        if _navigational():
            return _signed_out_mid_request("the provider's tokens expire as soon as they are issued")
    except RefreshFailed as failure:
        # SPEC §2.5: a refused refresh ends the local session (the provider revoked it).
        return _signed_out_mid_request(f"refresh refused: {failure}")
    except RefreshUnavailable as outage:
        log.warning("Provider unreachable for a refresh; the session stays: %s", outage)
        return render_error(503, PROVIDER_DOWN, "Accounts is unavailable")
    claims = session.get("claims", {})
    try:
        impersonation = impersonation_from_claims(claims)
    except MalformedImpersonation:
        # Checked at sign-in and refresh; a session holding anything else fails closed rather than guess the actor.
        session.clear()
        return
    g.identity = Identity(
        iss=session["iss"],
        sub=session["sub"],
        name=display_name(claims),
        email=claims.get("email") if isinstance(claims.get("email"), str) else None,
        orgs=(claims.get(orgs_claim_name()) or []) if orgs_claim_name() else [],
        impersonation=impersonation,
    )
    return None


def _navigational() -> bool:
    """A page request the browser can be redirected from (not sign-in itself, assets or the bearer API)."""
    return (
        request.blueprint != "signin"
        and request.endpoint not in {None, "static", "site.theme"}
        and not request.path.startswith("/api/")
    )


def _reauthenticated_just_now() -> bool:
    return time.time() - session.get("reauth_at", 0) < REAUTH_MIN_INTERVAL_SECONDS


def _reauthenticate(reason: str):
    """Renew the sign-in silently at the provider (prompt=none), coming back here or to the stashed POST."""
    log.info("Re-authenticating silently: %s", reason)
    session["reauth_at"] = int(time.time())
    if request.method == "POST":
        resume.stash_post(session["iss"], session["sub"])
        return redirect(url_for("signin.sign_in", prompt="none", next=url_for("signin.resume")), code=303)
    return redirect(url_for("signin.sign_in", prompt="none", next=request.full_path.rstrip("?")))


def _signed_out_mid_request(reason: str):
    """End the local session (logged); a POST is stashed and the user signs in again to send it."""
    log.warning("Signing out of %s: %s", current_app.config["SITE"], reason)
    owner = (session["iss"], session["sub"])
    session.clear()
    if request.method == "POST" and _navigational():
        resume.stash_post(*owner)
        return redirect(url_for("signin.sign_in", next=url_for("signin.resume")), code=303)
    return None


def _refresh_with_provider(refresh_token: str) -> dict:
    """Refresh the tokens, then re-read the user's claims so role changes arrive within a token lifetime."""
    # RFC 6749 §6: no scope parameter, so the refresh asks for nothing beyond the grant.
    try:
        token = provider().fetch_access_token(grant_type="refresh_token", refresh_token=refresh_token)
    except (requests.ConnectionError, requests.Timeout) as error:
        raise RefreshUnavailable(str(error)) from error
    if not provider().load_server_metadata().get("userinfo_endpoint"):
        return token
    try:
        info = provider().userinfo(token=token)
    except (requests.RequestException, ValueError, OAuthError) as error:
        # The new tokens are already ours (the old refresh token is spent): keep them, claims stay as they were.
        log.warning("userinfo after refresh failed: %s", error)
        return token
    if info.get("sub") == session.get("sub"):
        claims = session.get("claims", {})
        acting = _refreshed_impersonation(claims, info)
        session["claims"] = claims | {k: info[k] for k in PROFILE_CLAIMS if k in info} | acting
        orgs = orgs_claim_name()
        if orgs and orgs in info:
            session["claims"][orgs] = info[orgs]
        elif orgs:
            # Memberships revoked at the provider vanish from userinfo: no claim, no orgs here.
            session["claims"].pop(orgs, None)
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
