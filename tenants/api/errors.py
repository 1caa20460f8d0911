"""JSON answers of the API: errors with a machine code and a sentence, and RFC 6750 bearer challenges."""

from flask import current_app, jsonify


def api_error(status: int, error: str, message: str, *, fields: dict | None = None, headers: dict | None = None):
    """A JSON error: {"error": code, "message": text, "fields": {name: [messages]}}."""
    body = {"error": error, "message": message}
    if fields is not None:
        body["fields"] = fields
    response = jsonify(body)
    response.status_code = status
    response.headers.update(headers or {})
    return response


def bearer_challenge(status: int, error: str | None, message: str, *, scope: str | None = None):
    """401/403 with WWW-Authenticate: Bearer (RFC 6750 §3); no error code when no token was sent (§3.1)."""
    params = [f'realm="{current_app.config["SITE"]}"']
    if error:
        params.append(f'error="{error}"')
        params.append(f'error_description="{message}"')
    if scope:
        params.append(f'scope="{scope}"')
    return api_error(
        status, error or "unauthorized", message, headers={"WWW-Authenticate": "Bearer " + ", ".join(params)}
    )
