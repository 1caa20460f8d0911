"""The demo tour on a tenant (development only): links to Accounts, its outbox and the other tenants."""

from dataclasses import dataclass

from .settings import TenantSettings, available_tenants, load_settings


@dataclass(frozen=True)
class DemoLinks:
    """Where the rest of the demo lives, as this tenant's configuration tells it."""

    accounts: str
    outbox: str
    others: list[TenantSettings]


def demo_links(tenant: TenantSettings) -> DemoLinks:
    """Read at request time, so every tenant's URL is the one its settings give now."""
    others = [load_settings(slug) for slug in available_tenants() if slug != tenant.slug]
    return DemoLinks(accounts=tenant.issuer, outbox=f"{tenant.issuer}/dev/outbox/", others=others)
