"""The other tenant sites of this provider: signed in through one Accounts session, they see the same `sid`."""

from ..site.settings import TenantConfigError, TenantSettings, available_tenants, load_settings


def sibling_tenants(tenant: TenantSettings) -> list[TenantSettings]:
    """Every other tenant file (tenants/*.toml) whose issuer is this tenant's; a broken file is left out."""
    found = []
    for slug in available_tenants():
        if slug == tenant.slug:
            continue
        try:
            other = load_settings(slug)
        except TenantConfigError:
            continue
        # OIDC Core §2: a sid is only meaningful with its issuer, so only a tenant of the same provider compares.
        if other.issuer == tenant.issuer:
            found.append(other)
    return found
