"""X-Forwarded-* headers are trusted only from the configured number of proxies."""

import pytest
from flask import request

import accounts
from tests.conftest import accounts_overrides


def remote_addr_seen(app, headers: dict) -> str:
    @app.get("/_test/whoami")
    def whoami():
        return f"{request.remote_addr} {request.scheme}"

    return app.test_client().get("/_test/whoami", headers=headers, environ_base={"REMOTE_ADDR": "10.0.0.1"}).text


FORWARDED = {"X-Forwarded-For": "203.0.113.7", "X-Forwarded-Proto": "https"}


@pytest.mark.parametrize(("hops", "expected"), [(0, "10.0.0.1 http"), (1, "203.0.113.7 https")])
def test_forwarded_headers_count_only_behind_trusted_proxies(hops, expected):
    app = accounts.create_app(accounts_overrides() | {"TRUSTED_PROXY_HOPS": hops})
    assert remote_addr_seen(app, FORWARDED) == expected
