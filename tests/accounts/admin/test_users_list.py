"""The users list (SPEC §2.7): prefix search on email or name, filters, sorts, keyset pages of 50, a capped count."""

import re
from datetime import datetime, timedelta
from html import unescape

import pytest
from sqlalchemy import insert

from accounts.admin import queries
from accounts.extensions import db
from accounts.identity.models import User
from accounts.mfa.models import TotpCredential
from tests.accounts.conftest import flashes

BASE = datetime(2026, 1, 1)
ROW_RE = re.compile(r'<td data-label="Email" class="wrap">(.*?)</td>')


def seed(app, count: int, **extra) -> list[int]:
    """count users created one minute apart: user000@example.com "Person 000", ...; every 7th has 2FA on."""
    rows = [
        {
            "email": f"user{n:03d}@example.com",
            "name": f"Person {n:03d}",
            "search_name": f"person {n:03d}",
            "password_hash": "x",
            "site_role": "user",
            "created_at": BASE + timedelta(minutes=n),
            "password_changed_at": BASE,
            **extra,
        }
        for n in range(count)
    ]
    with app.app_context():
        db.session.execute(insert(User), rows)
        ids = [u.id for u in db.session.scalars(db.select(User).where(User.email.like("user%")).order_by(User.id))]
        db.session.execute(
            insert(TotpCredential),
            [{"user_id": i, "secret_encrypted": "x", "created_at": BASE, "enabled_at": BASE} for i in ids[::7]],
        )
        db.session.commit()
    return ids


def emails(response) -> list[str]:
    assert response.status_code == 200
    return [unescape(e) for e in ROW_RE.findall(response.get_data(as_text=True))]


def next_link(response) -> str | None:
    match = re.search(r'rel="next" href="([^"]+)"', response.get_data(as_text=True))
    return unescape(match.group(1)) if match else None


def test_pages_of_50_newest_first_walk_every_user_once(accounts_app, admin_client):
    seed(accounts_app, 120)
    seen, url = [], "/admin/users"
    while url:
        response = admin_client.get(url)
        page = emails(response)
        assert len(page) <= queries.PAGE_SIZE
        seen += page
        url = next_link(response)
    users = [e for e in seen if e.startswith("user")]
    assert users == [f"user{n:03d}@example.com" for n in reversed(range(120))]
    assert len(seen) == 121  # and the admin


@pytest.mark.parametrize(
    ("sort", "first"),
    [
        ("oldest", "user000@example.com"),
        ("email", "root@example.com"),
        ("name", "user000@example.com"),
        ("newest", "root@example.com"),
    ],
)
def test_sorts(accounts_app, admin_client, sort, first):
    seed(accounts_app, 60)
    page = emails(admin_client.get(f"/admin/users?sort={sort}"))
    assert page[0] == first
    if sort == "email":
        assert page[1:] == sorted(page[1:])


def test_email_sort_pages_continue_where_the_last_stopped(accounts_app, admin_client):
    seed(accounts_app, 60)
    first = admin_client.get("/admin/users?sort=email")
    second = emails(admin_client.get(next_link(first)))
    assert emails(first)[-1] < second[0]
    assert len(emails(first)) + len(second) == 61


def test_search_is_a_case_insensitive_prefix_of_email_or_name(accounts_app, admin_client):
    seed(accounts_app, 60)
    assert emails(admin_client.get("/admin/users?q=USER05")) == [f"user05{n}@example.com" for n in reversed(range(10))]
    assert emails(admin_client.get("/admin/users?q=Person 012")) == ["user012@example.com"]
    assert emails(admin_client.get("/admin/users?q=root")) == ["root@example.com"]
    # A prefix, not a substring: the middle of an address does not match.
    assert emails(admin_client.get("/admin/users?q=example.com")) == []


def test_filters(accounts_app, admin_client, make_user):
    ids = seed(accounts_app, 30)
    with accounts_app.app_context():
        db.session.get(User, ids[3]).banned_at = BASE
        expired = db.session.get(User, ids[4])
        expired.banned_at, expired.banned_until = BASE, BASE + timedelta(days=1)
        db.session.commit()
    assert emails(admin_client.get("/admin/users?role=admin")) == ["root@example.com"]
    assert emails(admin_client.get("/admin/users?banned=yes")) == ["user003@example.com"]
    assert "user003@example.com" not in emails(admin_client.get("/admin/users?banned=no"))
    assert "user004@example.com" in emails(admin_client.get("/admin/users?banned=no"))
    assert emails(admin_client.get("/admin/users?mfa=yes&sort=oldest")) == [
        f"user{n:03d}@example.com" for n in range(0, 30, 7)
    ]
    assert emails(admin_client.get("/admin/users?mfa=yes&q=user01")) == ["user014@example.com"]
    assert "user007@example.com" not in emails(admin_client.get("/admin/users?mfa=no"))


def test_the_count_says_how_many_match_and_is_capped(accounts_app, admin_client, monkeypatch):
    seed(accounts_app, 30)
    assert "31 users match." in admin_client.get("/admin/users").get_data(as_text=True)
    assert "1 user match." in admin_client.get("/admin/users?q=user029").get_data(as_text=True)
    monkeypatch.setattr(queries, "COUNT_CAP", 10)
    assert "More than 10 users match." in admin_client.get("/admin/users").get_data(as_text=True)


@pytest.mark.parametrize(
    "query",
    [
        "after=garbage!!",
        "after=" + "A" * 5000,
        "after=WyJuZXdlc3QiLDEsMl0",  # ["newest",1,2]: right shape, wrong value type
        "after=WyJlbWFpbCIsImEiLDFd&sort=newest",  # a cursor of another sort
        "after=WyJuZXdlc3QiLCJub3QgYSBkYXRlIiwxXQ",  # ["newest","not a date",1]
        "after=bnVsbA",  # null
    ],
)
def test_a_bad_cursor_starts_over_with_a_message(accounts_app, admin_client, query):
    seed(accounts_app, 5)
    response = admin_client.get(f"/admin/users?{query}")
    assert response.status_code == 200
    assert "starts again from the first page" in " ".join(flashes(response))
    assert emails(response)[0] == "root@example.com"


@pytest.mark.parametrize(
    "query",
    [
        "sort=password",
        "role=owner",
        "banned=maybe",
        "mfa=1",
        "q=" + "x" * 5000,
        "q=%00%ff",
        "q=%25_",
        "page=99999999",
        "q=\U0010ffff",
    ],
)
def test_unknown_or_odd_values_never_fail(admin_client, query):
    response = admin_client.get(f"/admin/users?{query}")
    assert response.status_code in (200, 400)
    assert response.status_code != 500


def test_unknown_filter_values_mean_no_filter(accounts_app, admin_client):
    seed(accounts_app, 3)
    assert len(emails(admin_client.get("/admin/users?role=owner&banned=maybe&sort=password"))) == 4


def _plan(query) -> str:
    compiled = query.compile(db.engine, compile_kwargs={"literal_binds": True})
    if db.engine.name == "sqlite":
        return " ".join(str(row) for row in db.session.execute(db.text(f"EXPLAIN QUERY PLAN {compiled}")))
    # Tiny test tables make a scan and a sort cheapest; forbid the scans to see whether an index gives the order.
    db.session.execute(db.text("SET LOCAL enable_seqscan = off"))
    db.session.execute(db.text("SET LOCAL enable_bitmapscan = off"))
    return " ".join(str(row) for row in db.session.execute(db.text(f"EXPLAIN {compiled}")))


@pytest.mark.parametrize(
    "filters",
    [
        queries.UserFilters(sort="newest"),
        queries.UserFilters(sort="oldest"),
        queries.UserFilters(sort="email"),
        queries.UserFilters(sort="name"),
        queries.UserFilters(sort="newest", role="admin"),
        queries.UserFilters(sort="newest", banned="yes"),
    ],
)
def test_every_sort_reads_its_order_from_an_index_without_sorting(accounts_app, filters):
    with accounts_app.app_context():
        plan = _plan(queries.users_page_query(filters, now=BASE, after=None))
        db.session.rollback()
    assert "TEMP B-TREE" not in plan.upper() and "Sort  (" not in plan, plan
    assert "Seq Scan" not in plan and "SCAN users'" not in plan, plan
