"""Security Event Tokens pushed by the provider (RFC 8417, RFC 8935), receiving side: validate one, name its change.

Every SET is checked by jwts.decode like the tenant's other tokens (signature with the provider's
JWKS, typ, iss, aud, iat), then here: a known event type, a subject of this issuer, a jti never seen.
A refusal carries the RFC 8935 §2.3 error code that says which check failed.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError

from common.security_event_types import (
    CLAIMS_CHANGED,
    EVENT_TYPES,
)

from ..extensions import db
from . import jwts
from .models import ReceivedSecurityEvent

KNOWN_EVENTS = frozenset(EVENT_TYPES)
# RFC 8417 §2.3: typ secevent+jwt keeps a SET from passing for an ID, access or logout token.
SET_TYPES = {"secevent+jwt", "application/secevent+jwt"}
# RFC 8935 §2: the body is the SET itself; an orgs claim of many orgs fits well within this.
MAX_BODY = 32 * 1024
# The provider signs each delivery attempt afresh, so a SET older than this is a replay, not a retry.
MAX_AGE = timedelta(minutes=5)
# Accepted jtis (and the inspector's list) are kept this long: longer than the provider retries one event.
KEPT_FOR = timedelta(days=30)
JTI_MAX = 255


class RefusedEvent(Exception):
    """The SET is refused with 400 and this RFC 8935 §2.3 error code; the message is the description."""

    def __init__(self, err: str, description: str):
        super().__init__(description)
        self.err = err
        self.description = description


@dataclass(frozen=True)
class SecurityEvent:
    """One validated SET: which change, to whom (and which provider session), with its event payload."""

    jti: str
    event: str
    sub: str
    sid: str | None
    payload: dict
    issued_at: datetime


def _subject(claims: dict, payload: dict, issuer: str) -> tuple[str, str | None]:
    """(sub, provider sid) from RFC 9493 sub_id: iss_sub, or complex with user (iss_sub) and session (opaque)."""
    sub_id = claims.get("sub_id", payload.get("subject"))
    if not isinstance(sub_id, dict):
        raise RefusedEvent("invalid_request", "sub_id required")
    user, sid = sub_id, None
    if sub_id.get("format") == "complex":
        user, session = sub_id.get("user"), sub_id.get("session")
        if isinstance(session, dict):
            sid = session.get("id") if session.get("format") == "opaque" else None
            if not isinstance(sid, str) or not sid or len(sid) > JTI_MAX:
                raise RefusedEvent("invalid_request", "the session must be an opaque id")
    if not isinstance(user, dict) or user.get("format") != "iss_sub":
        raise RefusedEvent("invalid_request", "the subject must be iss_sub")
    if user.get("iss") != issuer:
        raise RefusedEvent("invalid_issuer", "the subject belongs to another issuer")
    sub = user.get("sub")
    if not isinstance(sub, str) or not sub or len(sub) > JTI_MAX:
        raise RefusedEvent("invalid_request", "the subject has no sub")
    return sub, sid


def validate(raw: str, *, issuer: str, audience: str, now: datetime) -> SecurityEvent:
    """Check a SET as RFC 8417 and RFC 8935 §2 say; raise RefusedEvent with the matching error code."""
    try:
        _, claims = jwts.decode_from_provider(
            raw, types=SET_TYPES, issuer=issuer, audience=audience, now=now, require_exp=False, max_length=MAX_BODY
        )
    except jwts.BadSignature as error:
        raise RefusedEvent("invalid_key", str(error)) from error
    except jwts.WrongIssuer as error:
        raise RefusedEvent("invalid_issuer", str(error)) from error
    except jwts.WrongAudience as error:
        raise RefusedEvent("invalid_audience", str(error)) from error
    except jwts.InvalidJWT as error:
        raise RefusedEvent("invalid_request", str(error)) from error
    issued_at = jwts.timestamp(claims, "iat", required=True)
    if now - issued_at > MAX_AGE:
        raise RefusedEvent("invalid_request", "too old")
    jti = claims.get("jti")
    if not isinstance(jti, str) or not jti or len(jti) > JTI_MAX:
        raise RefusedEvent("invalid_request", "jti required")
    events = claims.get("events")
    # RFC 8417 §2.2: events is an object of event type URIs; this tenant acts on one known event per SET.
    if not isinstance(events, dict) or len(events) != 1:
        raise RefusedEvent("invalid_request", "events must hold exactly one event")
    (event, payload), *_ = events.items()
    if event not in KNOWN_EVENTS or not isinstance(payload, dict):
        raise RefusedEvent("invalid_request", "unknown event type")
    if event == CLAIMS_CHANGED:
        changed = payload.get("claims", {})
        # CAEP §3.2: claims is an object of the new values; the orgs claim is a list like in ID tokens.
        if not isinstance(changed, dict) or not isinstance(changed.get("orgs", []), list):
            raise RefusedEvent("invalid_request", "claims must be an object and orgs a list")
    sub, sid = _subject(claims, payload, issuer)
    return SecurityEvent(jti=jti, event=event, sub=sub, sid=sid, payload=payload, issued_at=issued_at)


def remember(site: str, event: SecurityEvent, summary: str, now: datetime) -> None:
    """Stage the jti as seen (flushed, not committed): a jti seen before is a replay and is refused."""
    db.session.execute(delete(ReceivedSecurityEvent).where(ReceivedSecurityEvent.received_at < now - KEPT_FOR))
    db.session.add(
        ReceivedSecurityEvent(
            jti=event.jti, site=site, sub=event.sub, event=event.event, summary=summary[:255], received_at=now
        )
    )
    try:
        db.session.flush()
    except IntegrityError as error:
        db.session.rollback()
        raise RefusedEvent("invalid_request", "replayed jti") from error


def short_name(event: str) -> str:
    """token-claims-change for the CAEP URI: what the inspector shows."""
    return event.rsplit("/", 1)[-1]


def recent_events(site: str, sub: str, limit: int = 10) -> list[dict]:
    """The last security events received for this user, newest first: for the flow inspector."""
    rows = db.session.scalars(
        select(ReceivedSecurityEvent)
        .where(ReceivedSecurityEvent.site == site, ReceivedSecurityEvent.sub == sub)
        .order_by(ReceivedSecurityEvent.received_at.desc())
        .limit(limit)
    )
    return [
        {"event": short_name(r.event), "uri": r.event, "summary": r.summary, "received_at": r.received_at, "jti": r.jti}
        for r in rows
    ]
