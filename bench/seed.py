"""What the scenarios need, written with the app's own code (imported from the checkout under test)."""

import contextlib
import io
import secrets
import sys
import time
from datetime import timedelta

EMAIL = "bench-user@bench.test"
PASSWORD = "bench user passphrase, not a real one"  # noqa: S105 (a throwaway bench account)
ORG = ("Bench Org", "bench-org")
TODOS = 20


def migrate() -> None:
    """Both Alembic trees, the checkout's own migrations, run in this process (as `flask db upgrade` would)."""
    from flask_migrate import upgrade

    import accounts
    import tenants
    from accounts.extensions import db as accounts_db
    from tenants.extensions import db as tenants_db

    for app, db in ((accounts.create_app(), accounts_db), (tenants.create_app("acme"), tenants_db)):
        log = io.StringIO()
        # Alembic logs every step at INFO to stderr; the table is what a bench run should show.
        with app.app_context(), contextlib.redirect_stderr(log):
            try:
                upgrade()
            except Exception:
                print(log.getvalue(), file=sys.stderr)
                raise
            db.engine.dispose()


def seed_accounts(acme_url: str) -> tuple[str, str, str]:
    """A verified user (at the production argon2 cost) owning an org, and Acme registered: (sub, org id, secret)."""
    import accounts
    from accounts.cli import create_user
    from accounts.extensions import db
    from accounts.oidc.cli import tenant_registration
    from accounts.oidc.clients import register_client
    from accounts.orgs import services as orgs
    from common.clock import utcnow

    app = accounts.create_app()
    with app.app_context():
        user = create_user(EMAIL, PASSWORD, "Bench User")
        org = orgs.create_org(user.id, *ORG, utcnow())
        _client, secret = register_client(tenant_registration("Acme", acme_url), "acme")
        db.session.commit()
        result = str(user.id), str(org.id), secret
        db.engine.dispose()
    return result


def seed_todos(issuer: str, sub: str, org_id: str) -> None:
    """TODOS shared todos in the org, written by the bench user: one full list page."""
    from sqlalchemy import insert

    import tenants
    from common.clock import utcnow
    from tenants.extensions import db
    from tenants.todos.models import Todo

    app = tenants.create_app("acme")
    start = utcnow() - timedelta(days=1)
    rows = [
        {
            "id": secrets.token_urlsafe(16)[:22],
            "site": "acme",
            "iss": issuer,
            "org_id": org_id,
            "author_sub": sub,
            "author_name": "Bench User",
            "title": f"Bench todo {n}",
            "notes": "Something to do, written for the benchmark.",
            "done": n % 3 == 0,
            "visibility": "org",
            "created_at": start + timedelta(minutes=n),
            "updated_at": start + timedelta(minutes=n),
        }
        for n in range(TODOS)
    ]
    with app.app_context():
        db.session.execute(insert(Todo), rows)
        db.session.commit()
        db.engine.dispose()


def argon2_rate(seconds: float) -> tuple[float, dict]:
    """Hashes per CPU-second of this process with the app's own hasher at the app's configured cost."""
    import accounts
    from accounts.identity.passwords import hash_password

    params = accounts.create_app().config["ARGON2_PARAMETERS"]
    hash_password(PASSWORD, params)  # warm-up
    count, began = 0, time.process_time()
    while time.process_time() - began < seconds or count < 3:
        hash_password(PASSWORD, params)
        count += 1
    return count / (time.process_time() - began), params
