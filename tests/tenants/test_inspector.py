"""SPEC §3.4: the flow inspector explains an impersonation (`act`, `impersonation`) when one is active."""

import re
from datetime import UTC, datetime

import pytest
import time_machine

ENDS = int(datetime(2026, 12, 2, 12, 0, 0, tzinfo=UTC).timestamp())


@pytest.fixture
def acme(acme_app, fake_provider):
    return fake_provider(acme_app)


def inspector(acme, open_session, **claims) -> str:
    browser = acme.test_client()
    open_session(acme, browser, sub="user-1", **claims)
    page = browser.get("/inspector")
    assert page.status_code == 200
    return re.sub(r"\s+", " ", page.get_data(as_text=True))


def test_it_explains_act_and_impersonation(acme, open_session):
    with time_machine.travel(datetime(2026, 12, 2, 11, 18, 0, tzinfo=UTC), tick=False):
        page = inspector(
            acme,
            open_session,
            act={"sub": "7", "name": "Adam Admin"},
            impersonation={"reason": "Ticket #4411", "expires_at": ENDS},
        )
    assert "<strong>Active</strong>: Adam Admin is acting as this user" in page
    assert "RFC 8693 §4.1: <code>sub</code> stays the impersonated user" in page
    assert "<dt>Acting admin (<code>act.sub</code>)</dt><dd><code>7</code></dd>" in page
    assert "<dt>Acting as (<code>sub</code>)</dt><dd><code>user-1</code></dd>" in page
    assert "<dt>Reason (<code>impersonation.reason</code>)</dt><dd>Ticket #4411</dd>" in page
    assert "<dd>2026-12-02 12:00:00 UTC (42 minutes left)</dd>" in page
    stop = f"{acme.config['TENANT'].issuer}/impersonation"
    assert f'<a href="{stop}">{stop}</a>' in page


def test_without_act_it_says_none(acme, open_session):
    page = inspector(acme, open_session)
    assert "None: no <code>act</code> claim" in page
    assert "act.sub" not in page
