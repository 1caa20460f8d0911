"""Helpers for what every site shares: each of the three sites as a parameter, and test-only pages."""

import pytest
from flask import request, session
from sqlalchemy import select

SITES = ("accounts", "acme", "globex")


def add_test_pages(app) -> None:
    """Test-only pages: a form POST (CSRF-checked like any form), a page that writes the session, a crash."""

    @app.post("/_test/form")
    def test_form():
        return {"note_length": len(request.form.get("note", ""))}

    @app.get("/_test/session")
    def test_session():
        session["visits"] = session.get("visits", 0) + 1
        return {"visits": session["visits"]}

    @app.get("/_test/crash")
    def test_crash():
        raise RuntimeError("secret internals: db password hunter2")


@pytest.fixture(params=SITES)
def site(request):
    """Each site in turn (Accounts, Acme, Globex), with the test-only pages added."""
    app = request.getfixturevalue(f"{request.param}_app")
    add_test_pages(app)
    return app


def table_rows(db, ignore: dict[str, set[str]] | None = None) -> dict[str, list[tuple]]:
    """Every row of every table of a site's database (minus columns that change on any visit)."""
    ignore = ignore or {}
    rows = {}
    with db.engine.connect() as conn:
        for table in db.metadata.sorted_tables:
            columns = [c for c in table.columns if c.name not in ignore.get(table.name, set())]
            rows[table.name] = sorted(tuple(map(repr, row)) for row in conn.execute(select(*columns)))
    return rows
