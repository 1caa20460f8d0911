"""Upstream providers: one TOML file per provider under accounts/upstreams/, overridable from the environment.

A file is an OpenID provider found by discovery (issuer), or a plain OAuth 2 provider (GitHub style)
with authorize/token/userinfo URLs and a [claims] table mapping its userinfo fields to ours.
"""

import os
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

UPSTREAMS_DIR = Path(__file__).resolve().parent.parent / "upstreams"
_SLUG = re.compile(r"^[a-z][a-z0-9-]{0,30}$")
_SCOPE = re.compile(r"^[\x21\x23-\x5b\x5d-\x7e]+$")  # RFC 6749 §3.3 scope-token
_FIELD = re.compile(r"^[A-Za-z0-9_.-]{1,64}$")
_OFF = {"0", "false", "no", "off"}
OAUTH2_URLS = ("authorize_url", "token_url", "userinfo_url")
# Our claim names a plain OAuth 2 provider's userinfo fields are mapped to ([claims] table).
MAPPED_CLAIMS = ("sub", "email", "email_verified", "name")


class UpstreamConfigError(RuntimeError):
    """An upstream provider file is invalid."""


@dataclass(frozen=True)
class UpstreamSettings:
    """One upstream provider, as its file (and environment) describe it."""

    slug: str
    name: str
    client_id: str
    client_secret: str | None
    scopes: tuple[str, ...]
    # OpenID provider: its issuer, metadata and keys from discovery. Empty for a plain OAuth 2 provider.
    issuer: str = ""
    # Its `email_verified` may link to (or verify) a Gatehouse address; off: its addresses are never trusted.
    trust_email_verified: bool = False
    # Its acr/amr may count as our second factor; off: an upstream sign-in is one factor whatever it says.
    trust_acr: bool = False
    # Plain OAuth 2 only: endpoint URLs, the iss we record for its identities, and the userinfo mapping.
    authorize_url: str = ""
    token_url: str = ""
    userinfo_url: str = ""
    claims: dict = field(default_factory=dict)

    @property
    def openid(self) -> bool:
        return bool(self.issuer)

    @property
    def identity_issuer(self) -> str:
        """The `iss` recorded with its identities: the OpenID issuer, or the authorize URL's origin for OAuth 2."""
        if self.openid:
            return self.issuer
        return "/".join(self.authorize_url.split("/")[:3])


def _flag(value: object) -> bool:
    return str(value).lower() not in _OFF


def available_upstreams(folder: Path) -> list[str]:
    """Slugs of the provider files in folder (files named like slugs only)."""
    return sorted(p.stem for p in Path(folder).glob("*.toml") if _SLUG.match(p.stem))


def enabled(folder: Path, slug: str) -> bool:
    """A file may ship switched off (enabled = false), e.g. the development provider; UPSTREAM_<SLUG>_ENABLED wins."""
    raw = _read(folder, slug)
    return _flag(os.environ.get(_prefix(slug) + "ENABLED", raw.get("enabled", True)))


def _prefix(slug: str) -> str:
    return "UPSTREAM_" + slug.upper().replace("-", "_") + "_"


def _read(folder: Path, slug: str) -> dict:
    path = Path(folder) / f"{slug}.toml"
    try:
        return tomllib.loads(path.read_text())
    except tomllib.TOMLDecodeError as error:
        raise UpstreamConfigError(f"{path}: not valid TOML: {error}") from error


def _scopes(slug: str, value: object, openid: bool) -> tuple[str, ...]:
    scopes = value.split() if isinstance(value, str) else value
    if not isinstance(scopes, list | tuple) or not all(isinstance(s, str) and _SCOPE.match(s) for s in scopes):
        raise UpstreamConfigError(f"upstreams/{slug}.toml: scopes must be a list of scope names")
    if openid:
        return ("openid", *dict.fromkeys(s for s in scopes if s != "openid"))
    return tuple(dict.fromkeys(scopes))


def _claims(slug: str, value: object) -> dict:
    """The [claims] mapping of a plain OAuth 2 provider: our claim -> its userinfo field (sub defaults to id)."""
    if not isinstance(value, dict) or not all(isinstance(v, str) and _FIELD.match(v) for v in value.values()):
        raise UpstreamConfigError(f"upstreams/{slug}.toml: [claims] must map claim names to userinfo fields")
    unknown = set(value) - set(MAPPED_CLAIMS)
    if unknown:
        raise UpstreamConfigError(f"upstreams/{slug}.toml: [claims] knows only {', '.join(MAPPED_CLAIMS)}")
    return {"sub": "id", "email": "email", "name": "name"} | value


def load_upstream(folder: Path, slug: str) -> UpstreamSettings:
    """Read <folder>/<slug>.toml; UPSTREAM_<SLUG>_<KEY> (UPSTREAM_CORP_CLIENT_SECRET …) override it."""
    if not _SLUG.match(slug) or not (Path(folder) / f"{slug}.toml").is_file():
        raise UpstreamConfigError(f"No upstream provider file {slug}.toml in {folder}")
    raw = _read(folder, slug)
    prefix = _prefix(slug)

    def value(key: str, default=None):
        return os.environ.get(prefix + key.upper()) or raw.get(key, default)

    not_text = [
        k for k in ("name", "issuer", "client_id", "client_secret", *OAUTH2_URLS) if not isinstance(value(k, ""), str)
    ]
    if not_text:
        raise UpstreamConfigError(f"upstreams/{slug}.toml: {', '.join(not_text)} must be text")
    issuer = (value("issuer") or "").strip()
    urls = {k: (value(k) or "").strip() for k in OAUTH2_URLS}
    missing = [k for k in ("name", "client_id") if not value(k)]
    if not issuer:
        missing += [k for k, v in urls.items() if not v]
    if missing:
        raise UpstreamConfigError(f"upstreams/{slug}.toml: missing {', '.join(missing)} (or an issuer)")
    return UpstreamSettings(
        slug=slug,
        name=value("name"),
        # OIDC Discovery §4.3: the issuer is compared exactly, so it is kept as configured.
        issuer=issuer,
        client_id=value("client_id"),
        client_secret=value("client_secret") or None,
        scopes=_scopes(slug, value("scopes", "openid profile email" if issuer else ""), bool(issuer)),
        trust_email_verified=_flag(value("trust_email_verified", False)),
        trust_acr=_flag(value("trust_acr", False)),
        claims={} if issuer else _claims(slug, raw.get("claims", {})),
        **({} if issuer else urls),
    )


def load_upstreams(folder: Path) -> dict[str, UpstreamSettings]:
    """Every enabled provider file in folder, by slug, in name order."""
    return {slug: load_upstream(folder, slug) for slug in available_upstreams(folder) if enabled(folder, slug)}
