"""Consent: what a user allowed each client, remembered per user, client and scopes; withdrawing it revokes tokens."""

from datetime import datetime

from sqlalchemy import select

from ..audit.events import Origin, record_event
from ..extensions import db
from . import services
from .interaction import scope_covered
from .models import Client, Consent

# What each scope lets a client do, in words for the consent page.
SCOPE_DESCRIPTIONS = {
    "openid": "Know who you are (a stable identifier for your account)",
    "profile": "See your name",
    "email": "See your email address",
    "offline_access": "Stay connected while you are signed in, without asking again",
    "todos:read": "Read your todos",
    "todos:write": "Create and change your todos",
    "orgs": "See your organizations and your roles in them",
}


def consent_needed(client: Client, user_id: int, scope: str) -> bool:
    """First-party clients never ask; others ask until the user allowed every requested scope."""
    if client.first_party:
        return False
    consent = _find(user_id, client.id)
    return not scope_covered(scope, consent.scope if consent else None)


def _find(user_id: int, client_id: int) -> Consent | None:
    return db.session.scalar(select(Consent).where(Consent.user_id == user_id, Consent.client_id == client_id))


def grant_consent(user_id: int, client: Client, scope: str, now: datetime, *, origin: Origin) -> Consent:
    """Remember that the user allowed these scopes (added to what they allowed before), as a security event."""
    consent = _find(user_id, client.id)
    if consent is None:
        consent = Consent(user_id=user_id, client_id=client.id, scope="", created_at=now)
        db.session.add(consent)
    consent.scope = " ".join(sorted(set(consent.scope.split()) | set(scope.split())))
    consent.updated_at = now
    record_event(
        "consent.granted",
        actor_id=user_id,
        origin=origin,
        now=now,
        subject_id=user_id,
        details={"client_id": client.client_id, "client": client.name, "scope": scope},
    )
    db.session.commit()
    return consent


def connected_apps(user_id: int) -> list[Consent]:
    """The user's consents, with their clients, newest first."""
    return list(
        db.session.scalars(select(Consent).where(Consent.user_id == user_id).order_by(Consent.updated_at.desc()))
    )


def withdraw_consent(user_id: int, client_id: str, now: datetime, *, origin: Origin) -> bool:
    """Forget the consent and revoke every token the client holds for the user; False if there was none."""
    consent = db.session.scalar(
        select(Consent).join(Client).where(Consent.user_id == user_id, Client.client_id == client_id)
    )
    if consent is None:
        return False
    internal_id = consent.client_id
    details = {"client_id": client_id, "scope": consent.scope}
    db.session.delete(consent)
    record_event(
        "consent.withdrawn",
        actor_id=user_id,
        origin=origin,
        now=now,
        subject_id=user_id,
        details=details,
    )
    db.session.commit()
    services.revoke_client_tokens(user_id, internal_id, now)
    return True


def describe(scope: str) -> list[str]:
    """The consent-page sentences for a scope string."""
    return [SCOPE_DESCRIPTIONS.get(name, name) for name in scope.split()]
