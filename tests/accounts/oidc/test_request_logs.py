"""Request logs: one JSON object per line with a request id, and never a secret (issue 13)."""

import io
import json
import logging

import pytest

from common.metrics import TOKEN_GRANTS
from common.request_log import REQUEST_ID_HEADER, JsonFormatter
from tests.conftest import PASSWORD


@pytest.fixture
def log_lines():
    """Everything the process logs while the test runs, formatted as in production."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter())
    root = logging.getLogger()
    level = root.level
    root.addHandler(handler)
    root.setLevel(logging.INFO)
    yield lambda: [json.loads(line) for line in stream.getvalue().splitlines()]
    root.removeHandler(handler)
    root.setLevel(level)


def test_sign_in_token_grant_and_refresh_leave_no_secret_in_the_logs(
    client, auth, user, flow, confidential_client, log_lines
):
    assert auth.sign_in("alice@example.com").status_code == 303
    result = flow.code(confidential_client)
    tokens = flow.exchange(confidential_client, result).get_json()
    refreshed = flow.refresh(confidential_client, tokens["refresh_token"]).get_json()
    assert "access_token" in refreshed

    lines = log_lines()
    text = json.dumps(lines)
    cookie = client.get_cookie(client.application.config["SESSION_COOKIE_NAME"]).value
    secrets = [PASSWORD, result.code, result.verifier, cookie, confidential_client.secret]
    secrets += [tokens[k] for k in ("access_token", "refresh_token", "id_token")]
    secrets += [refreshed[k] for k in ("access_token", "refresh_token")]
    for secret in secrets:
        assert secret not in text
    routes = {(line.get("route"), line.get("status")) for line in lines if line["message"] == "request"}
    assert ("/sign-in", 303) in routes and ("/oauth/token", 200) in routes and ("/authorize", 302) in routes


@pytest.fixture
def metrics_on(monkeypatch):
    """Metrics are counted only when an operator turned them on (before the app is built)."""
    monkeypatch.setenv("METRICS_TOKEN", "metrics-test-token-0123456789")


def test_token_grants_are_counted_by_grant_type_and_status(metrics_on, auth, user, flow, confidential_client):
    def count(grant: str, status: str) -> float:
        return TOKEN_GRANTS.labels(grant, status)._value.get()

    auth.sign_in("alice@example.com")
    before = count("authorization_code", "200"), count("refresh_token", "200"), count("refresh_token", "400")
    tokens = flow.exchange(confidential_client, flow.code(confidential_client)).get_json()
    flow.refresh(confidential_client, tokens["refresh_token"])
    flow.refresh(confidential_client, "not-a-refresh-token")
    after = count("authorization_code", "200"), count("refresh_token", "200"), count("refresh_token", "400")
    assert [b - a for a, b in zip(before, after, strict=True)] == [1, 1, 1]


def test_each_request_line_carries_site_route_status_duration_user_and_id(client, auth, user, log_lines):
    auth.sign_in("alice@example.com")
    client.get("/")
    line = [entry for entry in log_lines() if entry.get("route") == "/"][-1]
    assert line["site"] == "accounts" and line["status"] == 200 and line["method"] == "GET"
    assert line["user"] == str(user.id)
    assert isinstance(line["duration_ms"], float) and len(line["request_id"]) == 16


def test_a_well_formed_incoming_request_id_is_kept_and_echoed_and_a_bad_one_replaced(client, log_lines):
    kept = client.get("/healthz", headers={REQUEST_ID_HEADER: "tenant-req-0123abcd"})
    assert kept.headers[REQUEST_ID_HEADER] == "tenant-req-0123abcd"
    replaced = client.get("/healthz", headers={REQUEST_ID_HEADER: 'x" injected {"level": "error"}'})
    assert len(replaced.headers[REQUEST_ID_HEADER]) == 16
    ids = [entry["request_id"] for entry in log_lines()]
    assert ids == ["tenant-req-0123abcd", replaced.headers[REQUEST_ID_HEADER]]
