"""Prometheus metrics: off by default, behind a bearer token when on, counting by route and status (issue 13)."""

import pytest
from prometheus_client.parser import text_string_to_metric_families

from common import metrics
from tests.common.conftest import add_test_pages

TOKEN = "metrics-test-token-0123456789"  # noqa: S105 (a test value)


def samples(text: str) -> dict[tuple, float]:
    found = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            found[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return found


def test_metrics_are_off_unless_a_token_is_configured(site, monkeypatch):
    monkeypatch.delenv("METRICS_TOKEN", raising=False)
    assert site.test_client().get("/metrics").status_code == 404


@pytest.fixture
def metered(request, monkeypatch):
    """A site built with METRICS_TOKEN set."""
    monkeypatch.setenv("METRICS_TOKEN", TOKEN)
    return request.getfixturevalue(f"{request.param}_app")


@pytest.mark.parametrize("metered", ["accounts", "acme"], indirect=True)
def test_metrics_need_the_token(metered):
    client = metered.test_client()
    assert client.get("/metrics").status_code == 404
    assert client.get("/metrics", headers={"Authorization": "Bearer wrong"}).status_code == 404
    assert client.get("/metrics", headers={"Authorization": f"Bearer {TOKEN}"}).status_code == 200


@pytest.mark.parametrize("metered", ["accounts", "acme"], indirect=True)
def test_requests_are_counted_by_route_pattern_and_status(metered):
    add_test_pages(metered)
    client = metered.test_client()
    site = metered.config["SITE"]
    before = samples(client.get("/metrics", headers={"Authorization": f"Bearer {TOKEN}"}).get_data(as_text=True))
    client.get("/healthz")
    client.get("/no-such-page")
    text = client.get("/metrics", headers={"Authorization": f"Bearer {TOKEN}"}).get_data(as_text=True)
    after = samples(text)

    def grew(route: str, status: str) -> float:
        key = (
            "gatehouse_http_requests_total",
            tuple(sorted({"site": site, "route": route, "method": "GET", "status": status}.items())),
        )
        return after.get(key, 0) - before.get(key, 0)

    assert grew("/healthz", "200") == 1
    assert grew("unmatched", "404") == 1
    assert "gatehouse_http_request_duration_seconds_bucket" in text


def test_sign_ins_are_counted_by_outcome(accounts_app, auth, make_user):
    make_user("alice@example.com")
    signins = metrics.SIGNINS.labels("succeeded")._value.get()
    failures = metrics.SIGNINS.labels("failed")._value.get()
    auth.sign_in("alice@example.com")
    auth.sign_in("alice@example.com", password="not-the-password")
    assert metrics.SIGNINS.labels("succeeded")._value.get() == signins + 1
    assert metrics.SIGNINS.labels("failed")._value.get() == failures + 1
