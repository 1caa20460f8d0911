"""Tenant settings: one TOML file per tenant under tenants/, overridable from the environment."""

import os
import re
import tomllib
from dataclasses import dataclass
from pathlib import Path

TENANTS_DIR = Path(__file__).resolve().parent.parent
_NAME = re.compile(r"^[a-z][a-z0-9-]{0,30}$")
_COLOUR = re.compile(r"^#[0-9a-fA-F]{6}$")


class TenantConfigError(RuntimeError):
    """The tenant file is missing or invalid."""


@dataclass(frozen=True)
class TenantSettings:
    """Everything that distinguishes one tenant site from another."""

    slug: str
    name: str
    tagline: str
    url: str
    issuer: str
    client_id: str
    client_secret: str | None
    colours: dict


def available_tenants() -> list[str]:
    """Slugs of the tenant files shipped under tenants/."""
    return sorted(p.stem for p in TENANTS_DIR.glob("*.toml"))


def load_settings(slug: str) -> TenantSettings:
    """Read tenants/<slug>.toml; SLUG_URL, SLUG_ISSUER, SLUG_CLIENT_ID, SLUG_CLIENT_SECRET override it."""
    if not _NAME.match(slug) or not (TENANTS_DIR / f"{slug}.toml").is_file():
        raise TenantConfigError(f"No tenant file tenants/{slug}.toml")
    try:
        raw = tomllib.loads((TENANTS_DIR / f"{slug}.toml").read_text())
    except tomllib.TOMLDecodeError as error:
        raise TenantConfigError(f"tenants/{slug}.toml is not valid TOML: {error}") from error
    prefix = slug.upper().replace("-", "_") + "_"

    def value(key: str, default: str | None = None) -> str | None:
        return os.environ.get(prefix + key.upper()) or raw.get(key, default)

    colours = raw.get("colours", {})
    if not isinstance(colours, dict):
        raise TenantConfigError(f"tenants/{slug}.toml: colours must be a table of #rrggbb values")
    if not all(_COLOUR.match(str(c)) for c in colours.values()):
        raise TenantConfigError(f"tenants/{slug}.toml: colours must be #rrggbb")
    not_text = [k for k in ("name", "tagline", "url", "issuer", "client_id") if not isinstance(value(k, ""), str)]
    if not_text:
        raise TenantConfigError(f"tenants/{slug}.toml: {', '.join(not_text)} must be text")
    missing = [k for k in ("name", "url", "issuer", "client_id") if not value(k)]
    if missing:
        raise TenantConfigError(f"tenants/{slug}.toml: missing {', '.join(missing)}")
    return TenantSettings(
        slug=slug,
        name=value("name"),
        tagline=value("tagline", ""),
        url=value("url").rstrip("/"),
        issuer=value("issuer").rstrip("/"),
        client_id=value("client_id"),
        client_secret=os.environ.get(prefix + "CLIENT_SECRET") or None,
        colours=colours,
    )
