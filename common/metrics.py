"""Prometheus metrics, off by default: with METRICS_TOKEN set, /metrics answers to that bearer token only."""

import hmac
import os
import time

from flask import Flask, Response, abort, g, request
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client import REGISTRY as PROCESS_REGISTRY
from prometheus_client.multiprocess import MultiProcessCollector

REQUESTS = Counter("gatehouse_http_requests", "HTTP requests answered", ["site", "route", "method", "status"])
LATENCY = Histogram("gatehouse_http_request_duration_seconds", "Time to answer a request", ["site", "route"])
SIGNINS = Counter("gatehouse_signins", "Sign-in attempts at Accounts by outcome", ["result"])
TOKEN_GRANTS = Counter("gatehouse_token_grants", "Token requests by grant type and status", ["grant_type", "status"])
BACKCHANNEL = Counter("gatehouse_backchannel_deliveries", "Back-channel logout deliveries by outcome", ["result"])

# Labels come from a fixed set: a client's free text must not create unbounded series.
_GRANT_TYPES = {"authorization_code", "refresh_token", "client_credentials"}


def count_signin(succeeded: bool) -> None:
    SIGNINS.labels("succeeded" if succeeded else "failed").inc()


def count_backchannel(delivered: bool) -> None:
    BACKCHANNEL.labels("delivered" if delivered else "failed").inc()


def init_metrics(app: Flask, *, site: str, token_endpoint: str | None = None) -> None:
    """Count every answered request by route and status; count the token endpoint's grants by type."""
    token = os.environ.get("METRICS_TOKEN", "")
    if not token:
        return  # off: no hooks on the request path, and /metrics is just another 404

    def start_timer() -> None:
        g.metrics_started = time.perf_counter()

    app.before_request_funcs.setdefault(None, []).insert(0, start_timer)

    @app.after_request
    def count(response: Response) -> Response:
        route = request.url_rule.rule if request.url_rule else "unmatched"
        REQUESTS.labels(site, route, request.method, str(response.status_code)).inc()
        LATENCY.labels(site, route).observe(time.perf_counter() - g.get("metrics_started", time.perf_counter()))
        if token_endpoint and request.endpoint == token_endpoint:
            grant = request.form.get("grant_type", "")
            TOKEN_GRANTS.labels(grant if grant in _GRANT_TYPES else "other", str(response.status_code)).inc()
        return response

    @app.get("/metrics")
    def metrics():
        presented = request.headers.get("Authorization", "").removeprefix("Bearer ")
        # Compare in constant time so the token cannot be guessed byte by byte.
        if not hmac.compare_digest(presented.encode(), token.encode()):
            abort(404)
        return Response(generate_latest(_registry()), mimetype=CONTENT_TYPE_LATEST)


def _registry():
    """Under gunicorn with PROMETHEUS_MULTIPROC_DIR, add up every worker's numbers; otherwise this process's."""
    if "PROMETHEUS_MULTIPROC_DIR" not in os.environ:
        return PROCESS_REGISTRY
    registry = CollectorRegistry()
    MultiProcessCollector(registry)
    return registry
