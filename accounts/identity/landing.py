"""What the Accounts start page shows: the apps one account opens and, in development, the demo logins."""

from dataclasses import dataclass

from sqlalchemy import select

from ..cli import DEMO_ROLES, DEMO_SECOND_FACTORS, DEMO_USERS
from ..extensions import db
from ..oidc.models import Client


@dataclass(frozen=True)
class AppTile:
    """A first-party app: its name and where it lives."""

    name: str
    url: str


@dataclass(frozen=True)
class DemoLogin:
    """A published demo account and what it is good for."""

    email: str
    name: str
    password: str
    role: str
    second_factor: bool


def app_tiles() -> list[AppTile]:
    """First-party apps by name; their resource identifier is their URL (tenant_registration)."""
    clients = db.session.scalars(
        select(Client).where(Client.first_party.is_(True), Client.resource.is_not(None)).order_by(Client.name)
    )
    return [AppTile(client.name, client.resource) for client in clients]


def demo_logins() -> list[DemoLogin]:
    """The seed-demo accounts with their published passwords (shown in development only)."""
    roles = dict(DEMO_ROLES)
    return [
        DemoLogin(
            email=email,
            name=name,
            password=password,
            role="site admin" if admin else f"{roles[email].value} of Initech" if email in roles else "",
            second_factor=email in DEMO_SECOND_FACTORS,
        )
        for email, name, password, admin in DEMO_USERS
    ]
