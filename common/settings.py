"""Configuration shared by every site: environment, secrets, database URLs, cookies."""

import os
import secrets
from pathlib import Path

DEVELOPMENT = "development"
PRODUCTION = "production"
TESTING = "testing"

# A secret this short or this well known can be brute-forced or guessed offline.
MIN_SECRET_LENGTH = 32
WEAK_SECRETS = {"changeme", "secret", "dev", "development", "password", "please-change-me"}

# Well under the idle timeouts of PostgreSQL proxies and cloud load balancers (typically 10 minutes or more).
POOL_RECYCLE_SECONDS = 300


class ConfigError(RuntimeError):
    """Raised at start-up when the configuration is unsafe or incomplete."""


def environment() -> str:
    """The running environment, from GATEHOUSE_ENV (development by default)."""
    env = os.environ.get("GATEHOUSE_ENV", DEVELOPMENT)
    if env not in {DEVELOPMENT, PRODUCTION, TESTING}:
        raise ConfigError(f"GATEHOUSE_ENV must be development, production or testing, not {env!r}")
    return env


def check_secret(value: str | None, name: str) -> str:
    """Refuse a missing or weak secret."""
    if not value:
        raise ConfigError(f"{name} must be set outside development")
    if len(value) < MIN_SECRET_LENGTH or value.lower() in WEAK_SECRETS or len(set(value)) < 10:
        raise ConfigError(f"{name} is too weak: use at least {MIN_SECRET_LENGTH} random characters")
    return value


def site_secret(env_name: str, instance_path: str, env: str) -> str:
    """The site's secret key: from the environment, or generated once under instance/ in development."""
    value = os.environ.get(env_name)
    if env == PRODUCTION or value:
        return check_secret(value, env_name)
    path = Path(instance_path) / f"{env_name.lower()}.txt"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_urlsafe(48))
        path.chmod(0o600)
    return path.read_text().strip()


def rate_limits_enabled(env: str) -> bool:
    """GATEHOUSE_RATE_LIMITS=off switches rate limits off (benchmarks only); refused in production."""
    value = os.environ.get("GATEHOUSE_RATE_LIMITS", "on").strip().lower()
    if value not in {"on", "off"}:
        raise ConfigError(f"GATEHOUSE_RATE_LIMITS must be on or off, not {value!r}")
    if value == "off" and env == PRODUCTION:
        raise ConfigError("GATEHOUSE_RATE_LIMITS=off is refused in production: rate limits guard sign-in and mail")
    return value == "on"


def database_url(env_name: str, instance_path: str, filename: str) -> str:
    """A site's database URL: its own variable, then DATABASE_URL, then SQLite under instance/."""
    url = os.environ.get(env_name) or os.environ.get("DATABASE_URL")
    if url:
        # Plain postgresql:// would pick psycopg2; this project ships psycopg 3.
        if url.startswith("postgresql://") or url.startswith("postgres://"):
            url = "postgresql+psycopg://" + url.split("://", 1)[1]
        return url
    Path(instance_path).mkdir(parents=True, exist_ok=True)
    return f"sqlite:///{Path(instance_path) / filename}"


def cookie_settings(name: str, env: str) -> dict:
    """Host-only, HttpOnly, SameSite=Lax cookies; Secure with the __Host- prefix outside development."""
    secure = env == PRODUCTION
    return {
        "SESSION_COOKIE_NAME": f"__Host-{name}" if secure else name,
        "SESSION_COOKIE_SECURE": secure,
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        # No Domain attribute: the cookie stays on the host that set it.
        "SESSION_COOKIE_DOMAIN": None,
        "SESSION_COOKIE_PATH": "/",
    }


def base_config(*, site: str, cookie_name: str, secret_env: str, instance_path: str) -> dict:
    """Settings every site shares; each factory adds its own."""
    env = environment()
    return {
        "GATEHOUSE_ENV": env,
        "SITE": site,
        "SECRET_KEY": site_secret(secret_env, instance_path, env),
        # Forms here are small; anything larger is an attack or a mistake (answered 413).
        "MAX_CONTENT_LENGTH": 256 * 1024,
        # No pre-ping (a round trip per checkout): connections are renewed before servers or firewalls drop
        # idle ones, one idle for seconds is pinged first (common/db_pool.py), and a connection found dead
        # invalidates the pool, so at most a request that met the outage itself fails (503).
        # Parameters stay out of error messages and logs: they hold emails and token hashes.
        "SQLALCHEMY_ENGINE_OPTIONS": {"pool_recycle": POOL_RECYCLE_SECONDS, "hide_parameters": True},
        "REDIS_URL": os.environ.get("REDIS_URL"),
        "WTF_CSRF_TIME_LIMIT": None,  # the token lives as long as the server-side session
        "TEMPLATES_AUTO_RELOAD": env == DEVELOPMENT,
        # The demo tour (published demo logins, links between the sites, the outbox) exists in development only.
        "DEMO_TOUR": env == DEVELOPMENT,
        **cookie_settings(cookie_name, env),
    }
