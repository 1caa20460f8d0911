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
from common.clock import utcnow  # noqa: E402
from tenants.extensions import db  # noqa: E402
from tenants.signin.tokens import store_token_set  # noqa: E402
from tenants.todos.models import Todo  # noqa: E402

ORG = "1"
READER = "reader"
AUTHORS = [f"author-{n}" for n in range(20)]


def fill(rows: int, iss: str) -> None:
    """Insert rows todos in one org: a quarter shared, the rest private to 20 other authors."""
    start = utcnow() - timedelta(days=365)
    batch = []
    for n in range(rows):
        created = start + timedelta(seconds=n)
        batch.append(
            {
                "id": secrets.token_urlsafe(16)[:22],
                "site": "acme",
                "iss": iss,
                "org_id": ORG,
                "author_sub": AUTHORS[n % len(AUTHORS)],
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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--depth", type=int, default=50, help="pages to walk before measuring a deep page")
    parser.add_argument("--keep", action="store_true", help="keep the table, and reuse one of the same size")
    args = parser.parse_args()

    app = tenants.create_app("acme", {"TESTING": True})
    with app.app_context():
        if not (args.keep and _row_count() == args.rows):
            db.drop_all()
            db.create_all()
            began = time.perf_counter()
            fill(args.rows, app.config["TENANT"].issuer)
            took = time.perf_counter() - began
            print(f"filled {args.rows} todos in {took:.1f} s on {db.engine.url.get_backend_name()}")
    client = signed_in_client(app)

    results = [("first page", *timed(client, "/todos/", args.repeat)[:2])]
    url = "/todos/"
    for _ in range(args.depth):
        url = timed(client, url, 1)[2] or url
    assert "after=" in url, "the walk never left the first page"
    results.append((f"page {args.depth + 1}", *timed(client, url, args.repeat)[:2]))
    results.append(("mine, first page", *timed(client, "/todos/?owner=mine", args.repeat)[:2]))
    results.append(("open, first page", *timed(client, "/todos/?status=open", args.repeat)[:2]))

    print(f"\n| list ({args.rows} rows) | median ms | p95 ms |\n|---|---:|---:|")
    for name, median, p95 in results:
        print(f"| {name} | {median:.1f} | {p95:.1f} |")
    if not args.keep:
        with app.app_context():
            db.drop_all()


def _row_count() -> int | None:
    """How many todos a kept table holds; None when there is none yet."""
    try:
        return db.session.scalar(select(func.count()).select_from(Todo))
    except (OperationalError, ProgrammingError):
        db.session.rollback()
        return None


if __name__ == "__main__":
    main()
