"""Tenant settings: one TOML file per tenant under tenants/, overridable from the environment."""

import os
import re
import tomllib
from dataclasses import dataclass
from pathlib import Path

TENANTS_DIR = Path(__file__).resolve().parent.parent
_NAME = re.compile(r"^[a-z][a-z0-9-]{0,30}$")
_COLOUR = re.compile(r"^#[0-9a-fA-F]{6}$")
_SCOPE = re.compile(r"^[\x21\x23-\x5b\x5d-\x7e]+$")  # RFC 6749 §3.3 scope-token
_CLAIM = re.compile(r"^[A-Za-z0-9_.:/-]{1,100}$")
_OFF = {"0", "false", "no", "off"}
# What the tenant asks for by default; sign-in keeps only those the provider lists in scopes_supported.
DEFAULT_SCOPES = ("openid", "profile", "email", "orgs", "todos:read", "todos:write")


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
    silent_sso: bool = True  # check for an SSO session with prompt=none on a first visit
    # RFC 9068 / RFC 8707: the resource identifier access tokens for this tenant's API name in `aud`.
    audience: str = ""
    # Where users switch on two-factor authentication at the provider (linked when a step-up falls short).
    security_url: str = ""
    # Scopes to ask for; None: DEFAULT_SCOPES, narrowed to the provider's scopes_supported at sign-in.
    scopes: tuple[str, ...] | None = None
    # The ID-token/userinfo claim listing the user's orgs, trusted for memberships; None: personal space only.
    orgs_claim: str | None = "orgs"
    # Ask for offline_access (a refresh token); without one the tenant re-authenticates silently.
    offline_access: bool = True


def available_tenants() -> list[str]:
    """Slugs of the tenant files shipped under tenants/."""
    return sorted(p.stem for p in TENANTS_DIR.glob("*.toml"))


def client_secret(slug: str, prefix: str, instance_path: str | None) -> str | None:
    """The client secret from SLUG_CLIENT_SECRET, else instance/<slug>.client_secret (written by seed-demo)."""
    if os.environ.get(prefix + "CLIENT_SECRET"):
        return os.environ[prefix + "CLIENT_SECRET"]
    path = Path(instance_path or "") / f"{slug}.client_secret"
    if instance_path and path.is_file():
        return path.read_text().strip() or None
    return None


def _flag(value: object) -> bool:
    return str(value).lower() not in _OFF


def _scopes(slug: str, value: object) -> tuple[str, ...] | None:
    """The `scopes` setting: a TOML list or a space-separated string (SLUG_SCOPES); openid always first."""
    if value is None or value == "":
        return None
    scopes = value.split() if isinstance(value, str) else value
    if not isinstance(scopes, list | tuple) or not all(isinstance(s, str) and _SCOPE.match(s) for s in scopes):
        raise TenantConfigError(f"tenants/{slug}.toml: scopes must be a list of scope names")
    return ("openid", *dict.fromkeys(s for s in scopes if s != "openid"))


def _orgs_claim(slug: str, value: object) -> str | None:
    """The `orgs_claim` setting: a claim name, or "" / "none" for a provider whose org claims are not trusted."""
    if value is None or str(value).lower() in {"", "none"}:
        return None
    if not isinstance(value, str) or not _CLAIM.match(value):
        raise TenantConfigError(f'tenants/{slug}.toml: orgs_claim must be a claim name or "none"')
    return value


def load_settings(slug: str, instance_path: str | None = None) -> TenantSettings:
    """Read tenants/<slug>.toml; environment variables SLUG_<KEY> (SLUG_URL, SLUG_ISSUER …) override it."""
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
        # OIDC Discovery §4.3: the issuer is compared exactly, so a terminating "/" is kept as configured.
        issuer=value("issuer").strip(),
        client_id=value("client_id"),
        client_secret=client_secret(slug, prefix, instance_path),
        colours=colours,
        audience=(value("audience") or value("url")).rstrip("/"),
        security_url=value("security_url") or value("issuer").rstrip("/") + "/security",
        silent_sso=_flag(value("silent_sso", True)),
        scopes=_scopes(slug, value("scopes")),
        orgs_claim=_orgs_claim(slug, os.environ.get(prefix + "ORGS_CLAIM", raw.get("orgs_claim", "orgs"))),
        offline_access=_flag(value("offline_access", True)),
    )
