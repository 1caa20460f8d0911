"""What the admin console and the CLI show of the outbox: pending and failed deliveries first."""

from sqlalchemy import func, select
from sqlalchemy.orm import joinedload

from ..extensions import db
from .models import OutboxEvent


def counts() -> dict[str, int]:
    """How many deliveries are pending, failed and delivered."""
    pending = db.session.scalar(
        select(func.count())
        .select_from(OutboxEvent)
        .where(OutboxEvent.delivered_at.is_(None), OutboxEvent.failed_at.is_(None))
    )
    failed = db.session.scalar(select(func.count()).select_from(OutboxEvent).where(OutboxEvent.failed_at.is_not(None)))
    delivered = db.session.scalar(
        select(func.count()).select_from(OutboxEvent).where(OutboxEvent.delivered_at.is_not(None))
    )
    return {"pending": pending, "failed": failed, "delivered": delivered}


def recent(limit: int = 20, *, include_delivered: bool = False) -> list[OutboxEvent]:
    """The newest deliveries not yet delivered (or all, with include_delivered), with their clients."""
    query = select(OutboxEvent).options(joinedload(OutboxEvent.client)).order_by(OutboxEvent.id.desc()).limit(limit)
    if not include_delivered:
        query = query.where(OutboxEvent.delivered_at.is_(None))
    return list(db.session.scalars(query))


def describe(row: OutboxEvent) -> dict:
    """One delivery as JSON: what, to whom, how it went."""
    return {
        "id": row.id,
        "jti": row.jti,
        "kind": row.kind,
        "event": row.event.rsplit("/", 1)[-1],
        "client_id": row.client.client_id,
        "sub": row.sub,
        "status": row.status,
        "attempts": row.attempts,
        "next_attempt_at": row.next_attempt_at,
        "last_error": row.last_error,
        "created_at": row.created_at,
    }
