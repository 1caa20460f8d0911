"""The security dashboard (SPEC §2.7): sign-ins, failures, lockouts per day over 30 days, as SVG charts and a table."""

import re
from datetime import datetime, timedelta

import time_machine

from accounts.admin import queries
from accounts.audit.events import Origin, record_event
from accounts.extensions import db
from tests.accounts.conftest import page

NOW = datetime(2026, 12, 2, 15, 0)


def _add(app, event_type: str, when: datetime, times: int = 1) -> None:
    with app.app_context():
        for _ in range(times):
            record_event(event_type, actor_id=None, origin=Origin(), now=when)
        db.session.commit()


def test_counts_per_day_in_one_grouped_query(accounts_app):
    _add(accounts_app, "signin.succeeded", NOW - timedelta(hours=1), 3)
    _add(accounts_app, "signin.failed", NOW - timedelta(days=1), 2)
    _add(accounts_app, "mfa.locked_out", NOW - timedelta(days=29, hours=14))
    _add(accounts_app, "signin.succeeded", NOW - timedelta(days=31))  # too old
    _add(accounts_app, "mfa.enabled", NOW)  # not charted
    with accounts_app.app_context():
        counts = queries.daily_event_counts(now=NOW, days=30)
    assert counts == {
        "signin.succeeded": {"2026-12-02": 3},
        "signin.failed": {"2026-12-01": 2},
        "mfa.locked_out": {"2026-11-03": 1},
    }


def test_dashboard_renders_charts_and_a_table_with_data(accounts_app, admin_client):
    with time_machine.travel(NOW, tick=False):
        _add(accounts_app, "signin.succeeded", NOW - timedelta(hours=1), 3)
        _add(accounts_app, "signin.failed", NOW - timedelta(days=1), 2)
        html = page(admin_client, "/admin/security")
    assert html.count("<svg") == 3
    # CSP (style-src 'self'): presentation attributes only, never a style element or attribute.
    assert "<style" not in html and " style=" not in html and "<script" not in html
    assert re.search(r"<strong>Failed sign-ins</strong> · 2 in 30 days", html)
    assert (
        '<th scope="row" data-label="Day">2026-12-01</th><td data-label="Sign-ins">0</td>'
        '<td data-label="Failed sign-ins">2</td>' in html
    )
    assert "<title>2026-12-01: 2</title>" in html


def test_dashboard_renders_with_no_events(admin_client):
    html = page(admin_client, "/admin/security")
    assert html.count("<svg") == 3
    assert "· 0 in 30 days" in html
