"""Accounts: the SSO server. accounts.create_app() is the only way it comes to life."""

import os
from datetime import timedelta
from pathlib import Path

from flask import Flask, g

from common.autocommit import init_autocommit_engine
from common.errors import init_error_pages
from common.health import database_check, init_health, redis_check
from common.input_guard import init_input_guard
from common.metrics import init_metrics
from common.proxy import init_proxy_fix
from common.request_log import init_request_log
from common.security_headers import init_security_headers
from common.server_session import ServerSessionInterface
from common.settings import ConfigError, base_config, database_url, rate_limits_enabled
from common.templating import ROOT, make_flask

from .admin.views import bp as admin_bp
from .audit.views import bp as audit_bp
from .cli import cli
from .extensions import csrf, db, limiter, migrate
from .federation import init_app as init_federation
from .identity import email_change_views  # noqa: F401  (adds the change-email pages to identity_bp)
from .identity.forms import ConfirmForm
from .identity.views import bp as identity_bp
from .impersonation import init_impersonation
from .magic_links import init_app as init_magic_links
from .mail.views import bp as mail_bp
from .mfa import init_app as init_mfa
from .oidc import init_oidc
from .oidc.tokens import current_signing_keyset
from .orgs import invitation_views  # noqa: F401  (adds the invitation pages to orgs_bp)
from .orgs.views import bp as orgs_bp
from .passkeys import init_app as init_passkeys
from .security_events.setup import init_security_events
from .sessions.authentication import current as current_authentication
from .sessions.authentication import session_columns
from .sessions.hooks import init_sessions
from .sessions.models import UserSession
from .sessions.store import AccountsSessionStore
from .sessions.views import bp as sessions_bp

MIGRATIONS = str(ROOT / "migrations" / "accounts")


def accounts_url() -> str:
    """The public base URL of Accounts, which is also the OpenID issuer."""
    return os.environ.get("ACCOUNTS_URL", "http://localhost:5000").rstrip("/")


def create_app(overrides: dict | None = None) -> Flask:
    """Build the Accounts application."""
    app = make_flask(__name__)
    app.config.update(
        base_config(
            site="accounts",
            cookie_name="gatehouse_accounts",
            secret_env="ACCOUNTS_SECRET_KEY",  # noqa: S106 (the variable name, not a secret)
            instance_path=app.instance_path,
        )
    )
    app.config.update(
        SITE_NAME="Gatehouse Accounts",
        SITE_URL=accounts_url(),
        SQLALCHEMY_DATABASE_URI=database_url("ACCOUNTS_DATABASE_URL", app.instance_path, "accounts.sqlite"),
        SESSION_IDLE_TIMEOUT=timedelta(hours=int(os.environ.get("SESSION_IDLE_HOURS", "12"))),
        SESSION_ABSOLUTE_LIFETIME=timedelta(days=int(os.environ.get("SESSION_ABSOLUTE_DAYS", "14"))),
        # OWASP Password Storage Cheat Sheet: argon2id, m=19 MiB, t=2, p=1.
        ARGON2_PARAMETERS={"time_cost": 2, "memory_cost": 19 * 1024, "parallelism": 1},
        EMAIL_TOKEN_LIFETIME=timedelta(hours=24),
        PASSWORD_RESET_LIFETIME=timedelta(minutes=30),
        # A sign-in link is a live credential in an inbox: short-lived (issue 16: 10 minutes).
        MAGIC_LINK_LIFETIME=timedelta(minutes=int(os.environ.get("MAGIC_LINK_MINUTES", "10"))),
        ORG_INVITATION_LIFETIME=timedelta(days=7),
        RATELIMIT_SIGNIN_PER_IP="20 per minute",
        RATELIMIT_SIGNIN_PER_ACCOUNT="10 per 15 minutes",
        RATELIMIT_RESET="5 per 15 minutes",
        # Each sign-in link request mails its address: cap it per address (one inbox) and per IP (many inboxes).
        RATELIMIT_MAGIC_LINK_PER_ADDRESS="3 per 15 minutes",
        RATELIMIT_MAGIC_LINK_PER_IP="10 per 15 minutes",
        # Each sign-up mails its address: cap per address so nobody can flood one inbox.
        RATELIMIT_SIGNUP_PER_ADDRESS="3 per hour",
        # A stolen session must not become a password-guessing oracle on the change-password form.
        RATELIMIT_PASSWORD_CHECK="5 per 15 minutes",  # noqa: S106 (a rate, not a password)
        # Each email change mails an address the user typed: cap the mails per user.
        RATELIMIT_EMAIL_CHANGE="5 per hour",
        # Invitations mail arbitrary addresses: cap them so an account cannot be used to spam.
        RATELIMIT_INVITE="30 per hour",
        RATELIMIT_ENABLED=rate_limits_enabled(app.config["GATEHOUSE_ENV"]),
        RATELIMIT_STORAGE_URI=os.environ.get("REDIS_URL") or "memory://",
        # Redis down: limits fall back to each worker's memory (still limited, per process) rather than
        # failing open (unlimited guessing) or closed (nobody can sign in). make faults drills it.
        RATELIMIT_IN_MEMORY_FALLBACK_ENABLED=True,
        RATELIMIT_KEY_PREFIX="gatehouse-accounts",
        RATELIMIT_HEADERS_ENABLED=True,
        MAIL_SERVER=os.environ.get("SMTP_HOST"),
        MAIL_PORT=int(os.environ.get("SMTP_PORT", "587")),
        MAIL_USERNAME=os.environ.get("SMTP_USERNAME"),
        MAIL_PASSWORD=os.environ.get("SMTP_PASSWORD"),
        MAIL_USE_TLS=os.environ.get("SMTP_STARTTLS", "1") == "1",
        MAIL_FROM=os.environ.get("MAIL_FROM", "Gatehouse <no-reply@gatehouse.test>"),
    )
    if os.environ.get("ACCESS_TOKEN_SECONDS"):
        app.config["OIDC_ACCESS_TOKEN_LIFETIME"] = int(os.environ["ACCESS_TOKEN_SECONDS"])
    if overrides:
        app.config.update(overrides)
    if app.config["GATEHOUSE_ENV"] == "production" and not app.config["MAIL_SERVER"]:
        raise ConfigError("SMTP_HOST must be set in production: there is no outbox there")
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)

    db.init_app(app)
    init_autocommit_engine(app, db)
    migrate.init_app(app, db, directory=MIGRATIONS)
    init_input_guard(app)
    # Every POST is checked here, before any view: CSRF-only forms need no second check in views.
    csrf.init_app(app)
    limiter.init_app(app)
    init_security_headers(app, signed_in=lambda: current_authentication() is not None)
    init_proxy_fix(app)
    init_error_pages(app)
    _init_operations(app)

    app.session_interface = ServerSessionInterface(AccountsSessionStore(db, UserSession, columns=session_columns))
    _register_blueprints(app)
    _register_context(app)
    return app


def _init_operations(app: Flask) -> None:
    """Request ids and JSON request lines, metrics, and the health endpoints a load balancer polls."""
    # The id from the authentication record, not g.user: after a commit that would reload the user row.
    init_request_log(
        app, site="accounts", user_of_request=lambda: str(a.user_id) if (a := current_authentication()) else None
    )
    init_metrics(app, site="accounts", token_endpoint="oidc.token")  # noqa: S106 (an endpoint name)
    # Ready means the signing key loads too: a node that cannot sign tokens must not get traffic.
    init_health(app, [database_check(db), redis_check(os.environ.get("REDIS_URL")), current_signing_keyset])


def _register_blueprints(app: Flask) -> None:
    init_sessions(app)
    init_impersonation(app)
    app.register_blueprint(identity_bp)
    app.register_blueprint(sessions_bp)
    app.register_blueprint(mail_bp)
    app.register_blueprint(orgs_bp)
    app.register_blueprint(audit_bp)
    app.register_blueprint(admin_bp)
    app.register_blueprint(cli)
    init_mfa(app)
    init_passkeys(app)
    init_magic_links(app)
    init_federation(app)
    init_oidc(app)
    init_security_events(app)


def _register_context(app: Flask) -> None:
    @app.context_processor
    def site_context():
        return {
            "site": {"name": app.config["SITE_NAME"], "kind": "accounts", "url": app.config["SITE_URL"]},
            "current_user": g.get("user"),
            "sign_out_form": ConfirmForm() if g.get("user") else None,
            "outbox_enabled": not app.config["MAIL_SERVER"] and app.config["GATEHOUSE_ENV"] != "production",
        }
