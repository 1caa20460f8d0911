"""Bench: the org todo list (keyset pagination) at many rows. Prints a table; asserts nothing.

    .venv/bin/python bench/todo_list.py --rows 200000          # SQLite in a temporary folder
    DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/bench .venv/bin/python bench/todo_list.py

Target (SPEC §3.2): a page of the list costs the same at any depth and any table size.
"""

import argparse
import os
import secrets
import statistics
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("GATEHOUSE_ENV", "testing")
os.environ.setdefault("ACME_SECRET_KEY", secrets.token_urlsafe(48))
os.environ.setdefault("ACME_SILENT_SSO", "0")
os.environ.setdefault("DATABASE_URL", f"sqlite:///{tempfile.mkdtemp()}/bench.sqlite")

from sqlalchemy import func, insert, select  # noqa: E402
from sqlalchemy.exc import OperationalError, ProgrammingError  # noqa: E402

import tenants  # noqa: E402
from bench.pg_blocks import blocks_read  # noqa: E402
from common.clock import utcnow  # noqa: E402
from tenants.extensions import db  # noqa: E402
from tenants.signin.tokens import store_token_set  # noqa: E402
from tenants.todos.models import Todo  # noqa: E402

ORG = "1"
READER = "reader"
AUTHORS = [f"author-{n}" for n in range(20)]


def fill(rows: int, iss: str, orgs: int, org_rows: int) -> None:
    """Insert rows todos: org_rows in the reader's org, the rest spread over orgs - 1 others; a quarter shared,
    the rest private to their author (the reader writes one in 21 of its org's)."""
    start = utcnow() - timedelta(days=365)
    batch = []
    for n in range(rows):
        created = start + timedelta(seconds=n)
        mine = n < org_rows or orgs == 1
        batch.append(
            {
                "id": secrets.token_urlsafe(16)[:22],
                "site": "acme",
                "iss": iss,
                "org_id": ORG if mine else str(2 + n % (orgs - 1)),
                "author_sub": (AUTHORS + [READER])[n % (len(AUTHORS) + 1)] if mine else AUTHORS[n % len(AUTHORS)],
                "author_name": "Someone",
                "title": f"Todo {n}",
                "notes": "",
                "done": n % 3 == 0,
                "visibility": "org" if n % 4 == 0 else "private",
                "created_at": created,
                "updated_at": created,
            }
        )
        if len(batch) == 5000:
            db.session.execute(insert(Todo), batch)
            batch.clear()
    if batch:
        db.session.execute(insert(Todo), batch)
    db.session.commit()


def signed_in_client(app):
    """A client signed in locally as a member of the org (no provider needed for a bench)."""
    token = {"access_token": "bench", "expires_in": 86400, "refresh_token": None, "id_token": "bench"}
    iss = app.config["TENANT"].issuer
    with app.app_context():
        token_set_id = store_token_set("acme", iss, READER, "bench-sid", token, utcnow())
    client = app.test_client()
    orgs = [{"id": ORG, "slug": "bench", "name": "Bench", "role": "member", "personal": False}]
    with client.session_transaction() as session:
        session.update(
            {
                "iss": iss,
                "sub": READER,
                "op_sid": "bench-sid",
                "token_set_id": token_set_id,
                "claims": {"sub": READER, "name": "Reader", "orgs": orgs},
                "active_org_id": ORG,
            }
        )
    return client


def timed(client, url: str, repeat: int) -> tuple[float, float, str | None]:
    """Median and p95 in ms of GET url; and the next-page link of the last answer."""
    samples, body = [], ""
    for _ in range(repeat):
        began = time.perf_counter()
        response = client.get(url)
        samples.append((time.perf_counter() - began) * 1000)
        assert response.status_code == 200, response.status_code
        body = response.get_data(as_text=True)
    marker = 'rel="next" href="'
    next_url = body.split(marker, 1)[1].split('"', 1)[0].replace("&amp;", "&") if marker in body else None
    return statistics.median(samples), sorted(samples)[int(0.95 * (len(samples) - 1))], next_url


def todo_blocks(app, client, url: str) -> str:
    """The buffer blocks the page's todo statements (list and count) touch (bench/pg_blocks.py)."""
    with app.app_context():
        return blocks_read(db.engine, lambda: client.get(url), "todos")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--depth", type=int, default=10, help="pages to walk before measuring a deep page")
    parser.add_argument("--orgs", type=int, default=1, help="spread the todos over this many orgs")
    parser.add_argument("--org-rows", type=int, default=2000, help="with --orgs > 1: todos in the reader's org")
    parser.add_argument("--keep", action="store_true", help="keep the table, and reuse one of the same size")
    args = parser.parse_args()

    app = tenants.create_app("acme", {"TESTING": True})
    with app.app_context():
        if not (args.keep and _row_count() == args.rows and args.orgs == 1):
            db.drop_all()
            db.create_all()
            began = time.perf_counter()
            fill(args.rows, app.config["TENANT"].issuer, args.orgs, min(args.org_rows, args.rows))
            took = time.perf_counter() - began
            where = db.engine.url.get_backend_name()
            print(f"filled {args.rows} todos over {args.orgs} org(s) in {took:.1f} s on {where}")
    client = signed_in_client(app)

    deep = "/todos/"
    for _ in range(args.depth):
        deep = timed(client, deep, 1)[2] or deep
    assert "after=" in deep, "the walk never left the first page"
    pages = [
        ("first page (open)", "/todos/"),
        (f"page {args.depth + 1}", deep),
        ("mine, first page", "/todos/?owner=mine"),
        ("done, first page", "/todos/?status=done"),
        ("all, first page", "/todos/?status=all"),
    ]
    print(f"\n| list ({args.rows} rows) | median ms | p95 ms | blocks |\n|---|---:|---:|---:|")
    for name, url in pages:
        median, p95, _ = timed(client, url, args.repeat)
        print(f"| {name} | {median:.1f} | {p95:.1f} | {todo_blocks(app, client, url)} |")
    if not args.keep:
        with app.app_context():
            db.drop_all()


def _row_count() -> int | None:
    """How many todos a kept table holds; None when there is none yet."""
    try:
        return db.session.scalar(select(func.count()).select_from(Todo))
    except (OperationalError, ProgrammingError):
        return None
    finally:
        db.session.rollback()  # an open read would hold a lock that drop_all's DROP TABLE waits on forever


if __name__ == "__main__":
    main()
