"""Structured logs: one JSON object per line, and the request id that ties a tenant's call to Accounts' line."""

import json
import logging
import re
import secrets
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime

from flask import Flask, Response, g, has_request_context, request

REQUEST_ID_HEADER = "X-Request-Id"
# Only ids we could have made ourselves pass through: a header value never injects text into a log line.
_INCOMING_ID = re.compile(r"[A-Za-z0-9._-]{8,64}")

log = logging.getLogger("gatehouse.request")
# One encoder for every line: json.dumps(default=...) builds a new JSONEncoder per call.
_ENCODER = json.JSONEncoder(default=str)


def request_id() -> str | None:
    """This request's id (taken from the caller's header when it is well formed), or None outside requests."""
    return g.get("request_id") if has_request_context() else None


class JsonFormatter(logging.Formatter):
    """One JSON object per record; fields passed as extra={"fields": {...}} become top-level keys."""

    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        if rid := request_id():
            entry["request_id"] = rid
        entry.update(getattr(record, "fields", {}))
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return _ENCODER.encode(entry)


def configure_json_logging(level: int = logging.INFO) -> None:
    """Send every log record of the process to stderr as JSON lines (called once, by the process's wiring)."""
    root = logging.getLogger()
    if any(isinstance(h.formatter, JsonFormatter) for h in root.handlers):
        return
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter())
    root.addHandler(handler)
    root.setLevel(level)


def init_request_log(app: Flask, *, site: str, user_of_request: Callable[[], str | None]) -> None:
    """Give each request an id (echoed in X-Request-Id) and log one line when it is answered."""

    def start_request() -> None:
        incoming = request.headers.get(REQUEST_ID_HEADER, "")
        g.request_id = incoming if _INCOMING_ID.fullmatch(incoming) else secrets.token_hex(8)
        g.request_started = time.perf_counter()

    # First of all hooks (call this after the others are registered): every line has its id and duration.
    app.before_request_funcs.setdefault(None, []).insert(0, start_request)

    @app.after_request
    def log_request(response: Response) -> Response:
        response.headers[REQUEST_ID_HEADER] = g.get("request_id", "")
        fields = {
            "site": site,
            "method": request.method,
            # The route's pattern, never the path or query: paths and queries carry codes and email tokens.
            "route": request.url_rule.rule if request.url_rule else None,
            "status": response.status_code,
            "duration_ms": round((time.perf_counter() - g.get("request_started", time.perf_counter())) * 1000, 2),
            "user": _safe_user(user_of_request),
        }
        if log.isEnabledFor(logging.INFO):
            # makeRecord + handle is what log.info does, minus findCaller's stack walk (~1% of a bearer
            # request): the JSON line carries no file or line number.
            log.handle(log.makeRecord(log.name, logging.INFO, "", 0, "request", None, None, extra={"fields": fields}))
        return response


def _safe_user(user_of_request: Callable[[], str | None]) -> str | None:
    try:
        return user_of_request()
    except Exception:  # a log line must never turn an answered request into an error
        return None
