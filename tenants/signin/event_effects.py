"""What a validated security event changes here, at once: session claims, ended sessions, the not-before."""

from datetime import datetime

from sqlalchemy import select

from common import security_event_types as types
from common.clock import utc_from_timestamp

from ..extensions import db
from ..site.models import TenantSession
from . import security_events as se
from .models import SubjectNotBefore
from .not_before import raise_not_before
from .tokens import drop_token_sets


def summary(event: se.SecurityEvent) -> str:
    """One line for the inspector: which event and what it carried."""
    name = se.short_name(event.event)
    if event.event == types.CLAIMS_CHANGED:
        return f"{name}: {', '.join(sorted(event.payload.get('claims', {}))) or 'no claims'}"
    if event.sid:
        return f"{name}: session {event.sid[:8]}…"
    return name


def _event_time(event: se.SecurityEvent) -> datetime:
    """CAEP event_timestamp when given and sane, else the SET's iat: tokens issued before it are stale."""
    stamp = event.payload.get("event_timestamp")
    if isinstance(stamp, int) and not isinstance(stamp, bool):
        try:
            at = utc_from_timestamp(stamp)
        except (OverflowError, OSError, ValueError):
            return event.issued_at
        return min(at, event.issued_at)
    return event.issued_at


def _sessions(site: str, issuer: str, sub: str, sid: str | None = None) -> list[TenantSession]:
    query = select(TenantSession).where(
        TenantSession.site == site, TenantSession.iss == issuer, TenantSession.sub == sub
    )
    if sid:
        query = query.where(TenantSession.op_sid == sid)
    return list(db.session.scalars(query))


def update_claims(site: str, issuer: str, sub: str, claims: dict, orgs_claim: str | None) -> int:
    """Give every live session of the user the new orgs claim; return how many sessions changed."""
    if not orgs_claim or "orgs" not in claims:
        return 0
    rows = _sessions(site, issuer, sub)
    for row in rows:
        data = dict(row.data or {})
        kept = dict(data.get("claims") or {})
        kept[orgs_claim] = claims["orgs"]
        data["claims"] = kept
        row.data = data  # a new dict: the JSON column sees the change
    return len(rows)


def end_sessions(site: str, issuer: str, sub: str, sid: str | None) -> int:
    """End the user's sessions here (only the one of provider session sid, when named) with their tokens."""
    rows = _sessions(site, issuer, sub, sid)
    for row in rows:
        db.session.delete(row)
    if sid:
        drop_token_sets(site, iss=issuer, op_sid=sid, commit=False)
    else:
        drop_token_sets(site, iss=issuer, sub=sub, commit=False)
    return len(rows)


def apply(site: str, issuer: str, event: se.SecurityEvent, orgs_claim: str | None) -> None:
    """Act on the event in the open transaction (the caller commits it with the seen jti)."""
    at = _event_time(event)
    if event.event == types.CLAIMS_CHANGED and not _newer_change_applied(site, issuer, event.sub, at):
        claims = event.payload.get("claims")
        update_claims(site, issuer, event.sub, claims if isinstance(claims, dict) else {}, orgs_claim)
    elif event.event in (types.SESSION_REVOKED, types.ACCOUNT_DISABLED):
        end_sessions(site, issuer, event.sub, event.sid if event.event == types.SESSION_REVOKED else None)
    if event.event != types.CREDENTIAL_CHANGED:
        raise_not_before(site, issuer, event.sub, at)


def _newer_change_applied(site: str, issuer: str, sub: str, at: datetime) -> bool:
    """A retried older event must not overwrite the claims a newer one already set."""
    row = db.session.get(SubjectNotBefore, (site, issuer, sub))
    return row is not None and row.not_before > at
