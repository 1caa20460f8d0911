"""The migration that keys tenant rows by issuer keeps every existing row, under its site's configured issuer."""

from flask_migrate import downgrade, upgrade
from sqlalchemy import text

import tenants
from tenants.extensions import db
from tests.test_migrations import empty_database

BEFORE = "c4a1d7e9b2f0"
NOW = "2026-01-01 12:00:00"
ROWS = [
    "INSERT INTO todos (id, site, org_id, author_sub, author_name, title, notes, done, visibility, created_at,"
    " updated_at) VALUES ('{site}-todo-aaaa', '{site}', '5', '1', 'A', 't', '', false, 'org', :now, :now)",
    "INSERT INTO todo_actor_writes (site, todo_id, org_id, subject_sub, subject_name, actor_sub, actor_name, action,"
    " at) VALUES ('{site}', '{site}-todo-aaaa', '5', '1', 'A', '7', 'Adam', 'create', :now)",
    "INSERT INTO token_sets (id, site, sub, access_token, access_expires_at, id_token, updated_at)"
    " VALUES ('{site}-ts', '{site}', '1', 'at', :now, 'idt', :now)",
    "INSERT INTO tenant_sessions (site, key, public_id, data, user_agent, created_at, last_seen_at, expires_at, sub)"
    " VALUES ('{site}', '{site}-key', '{site}-pid', '{{}}', 'ua', :now, :now, :now, '1')",
]
TABLES = ("todos", "todo_actor_writes", "token_sets", "tenant_sessions")


def test_existing_rows_get_their_sites_configured_issuer(tmp_path, monkeypatch):
    monkeypatch.setenv("GLOBEX_ISSUER", "https://id.globex.example")
    with empty_database(tmp_path) as url:
        app = tenants.create_app("acme", {"SQLALCHEMY_DATABASE_URI": url, "TESTING": True})
        with app.app_context():
            try:
                upgrade(directory=tenants.MIGRATIONS, revision=BEFORE)
                with db.engine.begin() as conn:
                    for site in ("acme", "globex"):
                        for row in ROWS:
                            conn.execute(text(row.format(site=site)), {"now": NOW})

                upgrade(directory=tenants.MIGRATIONS)

                with db.engine.connect() as conn:
                    for table in TABLES:
                        found = conn.execute(text(f"SELECT site, iss FROM {table} ORDER BY site")).all()  # noqa: S608
                        assert [tuple(r) for r in found] == [
                            ("acme", "http://localhost:5000"),
                            ("globex", "https://id.globex.example"),
                        ], table
                downgrade(directory=tenants.MIGRATIONS, revision="base")
            finally:
                db.engine.dispose()  # no connection left for the garbage collector to warn about
