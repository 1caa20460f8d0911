"""Bench: the admin users list (keyset pages, filters, search) at 1k and 100k users. Prints a table; asserts nothing.

    .venv/bin/python bench/admin_users.py                      # SQLite in a temporary folder, 1k and 100k users
    .venv/bin/python bench/admin_users.py --quick              # 200 and 2k users
    .venv/bin/python bench/admin_users.py --database-url postgresql+psycopg://postgres@127.0.0.1:5432/bench
    .venv/bin/python bench/admin_users.py --no-analyze         # PostgreSQL without fresh statistics

Target (SPEC §2.7): a page costs the same at 100k users as at 1k (ratio ≤ 1.2×), on any page.
Each size gets a freshly created schema; the database named by --database-url is emptied.
"""

import argparse
import os
import re
import secrets
import statistics
import sys
import tempfile
import time
from datetime import timedelta
from html import unescape
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench.pg_blocks import blocks_read  # noqa: E402

os.environ.setdefault("GATEHOUSE_ENV", "testing")
os.environ.setdefault("ACCOUNTS_SECRET_KEY", secrets.token_urlsafe(48))

FAST_ARGON2 = {"time_cost": 1, "memory_cost": 1024, "parallelism": 1}
ADMIN_EMAIL = "bench-admin@bench.test"
ADMIN_PASSWORD = "bench admin password, not a real one"  # noqa: S105 (a throwaway bench account)
CSRF_RE = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"')
FIRST_NAMES = ["Ada", "Alan", "Grace", "Edsger", "Barbara", "Donald", "Frances", "Ken", "Margaret", "Dennis"]


def fill(db, users: int) -> None:
    """Bulk-insert users, a fake hash (never argon2 per row): 20% 2FA, 5% banned, 5% admins (full pages at 1k)."""
    from sqlalchemy import insert

    from accounts.identity.models import User
    from accounts.mfa.models import TotpCredential
    from common.clock import utcnow

    start = utcnow() - timedelta(days=365)
    batch, totp = [], []
    for n in range(users):
        created = start + timedelta(seconds=n * 7)
        name = f"{FIRST_NAMES[n % len(FIRST_NAMES)]} Person{n:07d}"
        batch.append(
            {
                "id": n + 2,
                "email": f"user{n:07d}@bench.test",
                "name": name,
                "search_name": name.lower(),
                "password_hash": "$bench$not-a-real-hash",
                "site_role": "admin" if n % 20 == 1 else "user",
                "email_verified_at": created,
                "created_at": created,
                "password_changed_at": created,
                "banned_at": created if n % 20 == 7 else None,
            }
        )
        if n % 5 == 3:
            totp.append({"user_id": n + 2, "secret_encrypted": "bench", "created_at": created, "enabled_at": created})
        if len(batch) == 5000:
            db.session.execute(insert(User), batch)
            batch.clear()
    if batch:
        db.session.execute(insert(User), batch)
    for chunk in range(0, len(totp), 5000):
        db.session.execute(insert(TotpCredential), totp[chunk : chunk + 5000])
    db.session.commit()


def make_admin(db) -> None:
    """The one admin who browses the list (id 1, created now, so it heads the newest-first list)."""
    from accounts.identity.models import User
    from accounts.identity.passwords import hash_password
    from common.clock import utcnow

    now = utcnow()
    db.session.add(
        User(
            id=1,
            email=ADMIN_EMAIL,
            name="Bench Admin",
            password_hash=hash_password(ADMIN_PASSWORD, FAST_ARGON2),
            site_role="admin",
            email_verified_at=now,
            created_at=now,
            password_changed_at=now,
        )
    )
    db.session.commit()


def prepare(app, db, users: int, analyze: bool) -> float:
    """A fresh schema with `users` users (plus the admin); ANALYZE on PostgreSQL if asked. Seconds taken."""
    from sqlalchemy import text

    with app.app_context():
        db.drop_all()
        db.create_all()
        began = time.perf_counter()
        make_admin(db)
        fill(db, users)
        if db.engine.name == "postgresql":
            # Explicit ids were inserted: move the sequence past them.
            db.session.execute(text("SELECT setval('users_id_seq', (SELECT max(id) FROM users))"))
            db.session.commit()
        if analyze:
            with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
                conn.execute(text("ANALYZE"))
        return time.perf_counter() - began


def signed_in_admin(app):
    """A test client signed in as the admin through the real sign-in form."""
    client = app.test_client()
    token = CSRF_RE.search(client.get("/sign-in").get_data(as_text=True)).group(1)
    response = client.post("/sign-in", data={"csrf_token": token, "email": ADMIN_EMAIL, "password": ADMIN_PASSWORD})
    assert response.status_code == 303 and response.location == "/", response.location
    return client


def deep_cursor(app, users: int) -> str:
    """The cursor of the newest-first list 60 rows before its end (what walking ~all pages would reach)."""
    from sqlalchemy import select

    from accounts.admin.queries import encode_cursor
    from accounts.extensions import db
    from accounts.identity.models import User

    with app.app_context():
        row = db.session.execute(
            select(User.created_at, User.id).order_by(User.created_at.asc(), User.id.asc()).offset(60).limit(1)
        ).one()
        return encode_cursor("newest", row.created_at, row.id)


def timed(client, url: str, repeat: int) -> tuple[float, float, int]:
    """p50 and p99 in ms of GET url, and the number of rows on the last answer."""
    samples, body = [], ""
    client.get(url)  # warm-up: the first call compiles templates and statements
    for _ in range(repeat):
        began = time.perf_counter()
        response = client.get(url)
        samples.append((time.perf_counter() - began) * 1000)
        assert response.status_code == 200, response.status_code
        body = response.get_data(as_text=True)
    assert "starts again from the first page" not in unescape(body), f"{url}: the cursor was refused"
    samples.sort()
    p99 = samples[min(len(samples) - 1, round(0.99 * (len(samples) - 1)))]
    return statistics.median(samples), p99, body.count('data-label="Email"')


def user_blocks(app, client, url: str) -> str:
    """The buffer blocks the page's statements on users touch (bench/pg_blocks.py): load-independent work."""
    from accounts.extensions import db

    with app.app_context():
        return blocks_read(db.engine, lambda: client.get(url), "users")


def scenarios(app, users: int) -> list[tuple[str, str]]:
    """The pages measured: (label, URL)."""
    return [
        ("first page", "/admin/users"),
        ("deep page (60 rows from the end)", f"/admin/users?after={deep_cursor(app, users)}"),
        ("name A–Z, first page", "/admin/users?sort=name"),
        ("banned, first page", "/admin/users?banned=yes"),
        ("admins, first page", "/admin/users?role=admin"),
        ("2FA on, first page", "/admin/users?mfa=yes"),
        ("2FA on + search 'user00001'", "/admin/users?mfa=yes&q=user00001"),
    ]


def run(sizes: list[int], repeat: int, analyze: bool) -> dict[int, list[tuple[str, float, float, int]]]:
    """Measure every scenario at every size; {size: [(label, p50, p99, rows)]}."""
    import accounts
    from accounts.extensions import db

    app = accounts.create_app({"TESTING": True, "ARGON2_PARAMETERS": FAST_ARGON2})
    results = {}
    for users in sizes:
        seconds = prepare(app, db, users, analyze)
        with app.app_context():
            backend = db.engine.url.get_backend_name()
        print(f"filled {users} users in {seconds:.1f} s on {backend}{' (analyzed)' if analyze else ''}", flush=True)
        client = signed_in_admin(app)
        results[users] = [
            (label, *timed(client, url, repeat), user_blocks(app, client, url)) for label, url in scenarios(app, users)
        ]
    with app.app_context():
        db.drop_all()
        db.engine.dispose()
    return results


def report(results: dict[int, list]) -> str:
    """A Markdown table: p50/p99 and blocks per size, and the ratios largest/smallest of the p50s and blocks."""
    small, large = min(results), max(results)
    lines = [
        f"| page | rows | {small} p50 ms | {small} p99 ms | {large} p50 ms | {large} p99 ms "
        f"| ratio p50 {large}/{small} | {small} blocks | {large} blocks | ratio blocks |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for small_row, large_row in zip(results[small], results[large], strict=True):
        (label, p50_s, p99_s, rows_s, blocks_s), (_, p50_l, p99_l, rows_l, blocks_l) = small_row, large_row
        rows = f"{rows_s}" if rows_s == rows_l else f"{rows_s}/{rows_l}"
        blocks_ratio = f"{int(blocks_l) / int(blocks_s):.2f}×" if blocks_s.isdigit() and int(blocks_s) else "–"
        lines.append(
            f"| {label} | {rows} | {p50_s:.1f} | {p99_s:.1f} | {p50_l:.1f} | {p99_l:.1f} | {p50_l / p50_s:.2f}× "
            f"| {blocks_s} | {blocks_l} | {blocks_ratio} |"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1000,100000", help="comma-separated user counts")
    parser.add_argument("--quick", action="store_true", help="200 and 2,000 users, fewer repeats")
    parser.add_argument("--repeat", type=int, default=60)
    parser.add_argument(
        "--database-url", help="a PostgreSQL URL (its tables are dropped); default SQLite in a temp dir"
    )
    parser.add_argument("--no-analyze", dest="analyze", action="store_false", help="skip ANALYZE after the fill")
    args = parser.parse_args(argv)
    sizes = [200, 2000] if args.quick else [int(s) for s in args.sizes.split(",")]
    repeat = min(args.repeat, 20) if args.quick else args.repeat
    os.environ["ACCOUNTS_DATABASE_URL"] = args.database_url or f"sqlite:///{tempfile.mkdtemp()}/admin-bench.sqlite"
    results = run(sizes, repeat, args.analyze)
    print("\n" + report(results))
    return results


if __name__ == "__main__":
    main()
