"""OpenID Back-Channel Logout 1.0, receiving side: validate a logout token, end local sessions."""

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError

from ..extensions import db
from ..site.models import TenantSession
from . import jwts
from .models import SeenLogoutToken
from .tokens import drop_token_sets

BACKCHANNEL_EVENT = "http://schemas.openid.net/event/backchannel-logout"
# BCL §2.4: typ logout+jwt keeps an ID token from being replayed as a logout token.
LOGOUT_TOKEN_TYPES = {"logout+jwt", "application/logout+jwt"}
# A logout token older than this is refused; its jti is remembered for as long.
MAX_AGE = timedelta(minutes=5)


class InvalidLogoutToken(Exception):
    """The logout token must be refused with 400 (OIDC BCL §2.8)."""


@dataclass(frozen=True)
class LogoutRequest:
    """Who is to be signed out, from a validated logout token."""

    jti: str
    sub: str | None
    sid: str | None
    issued_at: datetime


def validate_logout_token(raw: str, *, issuer: str, client_id: str, now: datetime) -> LogoutRequest:
    """Check a logout token as OIDC BCL §2.6 says (jwts.decode, then its own claims); raise InvalidLogoutToken."""
    try:
        _, claims = jwts.decode_from_provider(
            raw, types=LOGOUT_TOKEN_TYPES, issuer=issuer, audience=client_id, now=now, require_exp=False
        )
    except jwts.InvalidJWT as error:
        raise InvalidLogoutToken(str(error)) from error
    issued_at = jwts.timestamp(claims, "iat", required=True)
    if now - issued_at > MAX_AGE:
        raise InvalidLogoutToken("too old")
    events = claims.get("events")
    if not isinstance(events, dict) or not isinstance(events.get(BACKCHANNEL_EVENT), dict):
        raise InvalidLogoutToken("events must hold the back-channel logout event")
    if "nonce" in claims:
        raise InvalidLogoutToken("a logout token must not carry a nonce")
    sub, sid = claims.get("sub"), claims.get("sid")
    if not (isinstance(sub, str) and sub) and not (isinstance(sid, str) and sid):
        raise InvalidLogoutToken("sub or sid required")
    jti = claims.get("jti")
    if not isinstance(jti, str) or not jti or len(jti) > 255:
        raise InvalidLogoutToken("jti required")
    return LogoutRequest(jti=jti, sub=sub or None, sid=sid or None, issued_at=issued_at)


def remember_jti(site: str, request: LogoutRequest, now: datetime) -> None:
    """Record the token id; a token seen before is a replay and is refused."""
    db.session.execute(delete(SeenLogoutToken).where(SeenLogoutToken.expires_at < now))
    db.session.add(SeenLogoutToken(jti=request.jti, site=site, expires_at=request.issued_at + MAX_AGE + jwts.LEEWAY))
    try:
        db.session.commit()
    except IntegrityError as error:
        db.session.rollback()
        raise InvalidLogoutToken("replayed jti") from error


def end_local_sessions(site: str, issuer: str, request: LogoutRequest) -> int:
    """End this site's sessions named by the token: by provider sid, else every session of sub (of that issuer)."""
    query = select(TenantSession).where(TenantSession.site == site, TenantSession.iss == issuer)
    if request.sid:
        query = query.where(TenantSession.op_sid == request.sid)
        if request.sub:
            query = query.where(TenantSession.sub == request.sub)
    else:
        query = query.where(TenantSession.sub == request.sub)
    rows = list(db.session.scalars(query))
    for row in rows:
        db.session.delete(row)
    db.session.commit()
    if request.sid:
        drop_token_sets(site, iss=issuer, op_sid=request.sid)
    else:
        drop_token_sets(site, iss=issuer, sub=request.sub)
    return len(rows)
