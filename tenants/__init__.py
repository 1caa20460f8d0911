"""The tenant sites: tenants.create_app("acme") builds one from tenants/acme.toml."""

import os
from datetime import timedelta

from flask import Flask, g

from common.autocommit import init_autocommit_engine
from common.errors import init_error_pages
from common.health import database_check, init_health
from common.input_guard import init_input_guard
from common.metrics import init_metrics
from common.proxy import init_proxy_fix
from common.request_log import init_request_log
from common.security_headers import init_security_headers
from common.server_session import ServerSessionInterface
from common.settings import base_config, database_url
from common.templating import ROOT, make_flask

from .api.docs import bp as api_docs_bp
from .api.views import bp as api_bp
from .extensions import csrf, db, migrate
from .inspector.views import bp as inspector_bp
from .signin.client import init_oidc_client
from .signin.identity import current_identity, load_identity
from .signin.views import bp as signin_bp
from .site.demo import demo_links
from .site.models import TenantSession
from .site.session_store import TenantSessionStore
from .site.settings import load_settings
from .site.views import bp as site_bp
from .todos.cli import cli as todos_cli
from .todos.views import bp as todos_bp

MIGRATIONS = str(ROOT / "migrations" / "tenants")


def create_app(slug: str, overrides: dict | None = None) -> Flask:
    """Build the tenant site described by tenants/<slug>.toml."""
    app = make_flask(__name__)
    tenant = load_settings(slug, app.instance_path)
    app.config.update(
        base_config(
            site=slug,
            cookie_name=f"gatehouse_{slug.replace('-', '_')}",
            secret_env=f"{slug.upper().replace('-', '_')}_SECRET_KEY",
            instance_path=app.instance_path,
        )
    )
    app.config.update(
        TENANT=tenant,
        SITE_NAME=tenant.name,
        SITE_URL=tenant.url,
        SQLALCHEMY_DATABASE_URI=database_url("TENANTS_DATABASE_URL", app.instance_path, "tenants.sqlite"),
        SESSION_IDLE_TIMEOUT=timedelta(hours=int(os.environ.get("SESSION_IDLE_HOURS", "12"))),
        SESSION_ABSOLUTE_LIFETIME=timedelta(days=int(os.environ.get("SESSION_ABSOLUTE_DAYS", "14"))),
    )
    if overrides:
        app.config.update(overrides)

    db.init_app(app)
    init_autocommit_engine(app, db)
    migrate.init_app(app, db, directory=MIGRATIONS)
    init_input_guard(app)
    # Every POST is checked here, before any view: CSRF-only forms need no second check in views.
    csrf.init_app(app)
    init_security_headers(app, signed_in=lambda: current_identity() is not None)
    init_proxy_fix(app)
    init_error_pages(app)
    init_request_log(app, site=slug, user_of_request=lambda: g.identity.sub if g.get("identity") else None)
    init_metrics(app, site=slug)
    # Ready without Accounts: a tenant that cannot reach its provider still answers with a clear page.
    init_health(app, [database_check(db)])
    app.session_interface = ServerSessionInterface(
        TenantSessionStore(
            db,
            TenantSession,
            scope={"site": slug},
            columns=lambda d: {k: d.get(k) for k in ("iss", "sub", "op_sid", "token_set_id")},
        )
    )
    init_oidc_client(app, tenant)
    app.before_request(load_identity)
    app.register_blueprint(signin_bp)
    app.register_blueprint(site_bp)
    app.register_blueprint(inspector_bp)
    app.register_blueprint(todos_bp)
    app.register_blueprint(api_bp)
    app.register_blueprint(api_docs_bp)
    app.register_blueprint(todos_cli)

    @app.context_processor
    def site_context():
        return {
            "site": {"name": tenant.name, "kind": "tenant", "url": tenant.url, "tagline": tenant.tagline},
            "demo": demo_links(tenant) if app.config["DEMO_TOUR"] else None,
        }

    return app
