"""Access tokens are refreshed before they expire, once per session even under concurrent requests."""

import threading
import time
from datetime import timedelta

import pytest
import requests
import time_machine

from common.clock import utcnow
from tenants.extensions import db
from tenants.signin.client import provider
from tenants.signin.tokens import RefreshFailed, RefreshUnavailable, fresh_access_token, get_token_set, store_token_set

SITE = "acme"


def new_token_set(app, expires_in: int) -> str:
    token = {"access_token": "at-0", "expires_in": expires_in, "refresh_token": "rt-0", "id_token": "idt"}
    with app.app_context():
        return store_token_set(SITE, "http://localhost:5000", "user-1", "sid-1", token, utcnow())


class FakeProvider:
    """Counts refresh calls and rotates the refresh token like the real provider does."""

    def __init__(self, delay: float = 0.0):
        self.calls: list[str] = []
        self.delay = delay
        self.lock = threading.Lock()

    def refresh(self, refresh_token: str) -> dict:
        with self.lock:
            self.calls.append(refresh_token)
            n = len(self.calls)
        time.sleep(self.delay)  # a slow provider widens the race window
        return {"access_token": f"at-{n}", "expires_in": 300, "refresh_token": f"rt-{n}"}


def test_a_token_far_from_expiry_is_used_as_is(acme_app):
    token_set_id = new_token_set(acme_app, expires_in=300)
    fake = FakeProvider()
    with acme_app.app_context():
        assert fresh_access_token(token_set_id, SITE, fake.refresh) == "at-0"
    assert fake.calls == []


def test_a_token_about_to_expire_is_refreshed_and_the_refresh_token_rotated(acme_app):
    token_set_id = new_token_set(acme_app, expires_in=10)
    fake = FakeProvider()
    with acme_app.app_context():
        assert fresh_access_token(token_set_id, SITE, fake.refresh) == "at-1"
        assert get_token_set(token_set_id, SITE).refresh_token == "rt-1"
    assert fake.calls == ["rt-0"]


def test_concurrent_requests_refresh_once_and_all_get_the_new_token(acme_app):
    token_set_id = new_token_set(acme_app, expires_in=10)
    fake = FakeProvider(delay=0.3)
    results, errors = [], []

    def request():
        with acme_app.app_context():
            try:
                results.append(fresh_access_token(token_set_id, SITE, fake.refresh))
            except Exception as error:  # collected and asserted below
                errors.append(error)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=request) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    assert fake.calls == ["rt-0"], "the old refresh token must be presented exactly once"
    assert results == ["at-1"] * 6


def test_a_refused_refresh_drops_the_tokens(acme_app):
    token_set_id = new_token_set(acme_app, expires_in=10)

    def refuse(refresh_token):
        raise RuntimeError("invalid_grant")

    with acme_app.app_context():
        with pytest.raises(RefreshFailed):
            fresh_access_token(token_set_id, SITE, refuse)
        assert get_token_set(token_set_id, SITE) is None


def test_a_token_set_of_another_site_is_not_found(acme_app):
    token_set_id = new_token_set(acme_app, expires_in=300)
    with acme_app.app_context(), pytest.raises(RefreshFailed):
        fresh_access_token(token_set_id, "globex", FakeProvider().refresh)


def test_a_stale_lock_from_a_crashed_refresher_is_taken_over(acme_app):
    token_set_id = new_token_set(acme_app, expires_in=10)
    with acme_app.app_context():
        row = get_token_set(token_set_id, SITE)
        row.refresh_lock_until = utcnow() - timedelta(seconds=1)
        db.session.commit()
        assert fresh_access_token(token_set_id, SITE, FakeProvider().refresh) == "at-1"


def test_an_unreachable_provider_keeps_the_tokens_and_releases_the_refresh(acme_app):
    token_set_id = new_token_set(acme_app, expires_in=10)

    def down(refresh_token: str) -> dict:
        raise RefreshUnavailable("connection refused")

    with acme_app.app_context():
        # Still valid for 10 s: the page keeps working on it.
        assert fresh_access_token(token_set_id, SITE, down) == "at-0"
        row = get_token_set(token_set_id, SITE)
        assert (row.refresh_token, row.refresh_lock_until) == ("rt-0", None)
        # Back up: the next request refreshes with the same refresh token, nothing was lost.
        assert fresh_access_token(token_set_id, SITE, FakeProvider().refresh) == "at-1"


def test_an_unreachable_provider_past_expiry_is_an_outage_not_a_sign_out(acme_app):
    token_set_id = new_token_set(acme_app, expires_in=-1)

    def down(refresh_token: str) -> dict:
        raise RefreshUnavailable("connection refused")

    with acme_app.app_context():
        with pytest.raises(RefreshUnavailable):
            fresh_access_token(token_set_id, SITE, down)
        assert get_token_set(token_set_id, SITE).refresh_token == "rt-0"


def test_a_page_during_a_provider_outage_is_a_clear_503_and_the_session_survives(
    acme_app, fake_provider, open_session, monkeypatch
):
    fake_provider(acme_app)
    client = acme_app.test_client()
    open_session(acme_app, client)
    with acme_app.app_context():
        provider_client = type(provider())

    def refused(self, **kwargs):
        raise requests.ConnectionError("connection refused")

    monkeypatch.setattr(provider_client, "fetch_access_token", refused)
    with time_machine.travel(utcnow() + timedelta(minutes=10), tick=False):
        down = client.get("/todos/")
        assert down.status_code == 503
        assert b"You are still signed in" in down.data
        monkeypatch.setattr(provider_client, "fetch_access_token", lambda self, **kw: FakeProvider().refresh("rt"))
        monkeypatch.setattr(provider_client, "load_server_metadata", lambda self: {"issuer": "x"})
        assert client.get("/todos/").status_code == 200
