"""Error pages and JSON errors: a clear message and the right status, never a stack trace."""

import logging
from http import HTTPStatus

from flask import Flask, jsonify, render_template, request
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from werkzeug.exceptions import HTTPException, InternalServerError

from .server_session import session_load_error

log = logging.getLogger(__name__)

MESSAGES = {
    400: "The request could not be understood. Please go back and try again.",
    401: "You need to sign in to see this page.",
    403: "You are not allowed to do that.",
    404: "There is nothing here.",
    405: "That method is not allowed here.",
    413: "What you sent is too large.",
    422: "Some of what you sent is not valid.",
    429: "Too many attempts. Please wait a little and try again.",
    500: "Something went wrong on our side. Nothing you saved was lost; please try again.",
    502: "A service we depend on did not answer. Please try again shortly.",
    503: "This service is unavailable right now. Please try again shortly.",
}


def wants_json() -> bool:
    """True for API calls and clients that ask for JSON."""
    if request.path.startswith("/api/") or request.path.startswith("/oauth/"):
        return True
    best = request.accept_mimetypes.best_match(["text/html", "application/json"])
    return best == "application/json" and request.accept_mimetypes[best] > request.accept_mimetypes["text/html"]


def render_error(status: int, message: str | None = None, title: str | None = None):
    """An error response as HTML page or JSON, by what the client wants."""
    message = message or MESSAGES.get(status, "The request failed.")
    if wants_json():
        return jsonify(error=title or _title(status), message=message), status
    return render_template("error.html", status=status, title=title or _title(status), message=message), status


def _title(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Error"


def database_unavailable(error: BaseException | None) -> bool:
    """A database that is down, dropped the connection or has none free (not a bad query): retrying helps."""
    if isinstance(error, PoolTimeout | OperationalError):
        return True
    return isinstance(error, DBAPIError) and error.connection_invalidated


def _database_down(error: BaseException):
    # A warning, not a traceback per request: the outage is the news, and the next request may succeed.
    # The statement and its parameters stay out of the log: they may hold an email or a token hash.
    log.warning("Database unavailable on %s %s: %s", request.method, request.path, type(error).__name__)
    body, status = render_error(503)
    return body, status, {"Retry-After": "5"}


def init_error_pages(app: Flask) -> None:
    """Answer every HTTP error and every unexpected exception with render_error."""

    def session_failed_to_load() -> None:
        if (error := session_load_error(request)) is not None:
            raise error

    # First of all hooks: a CSRF check or a sign-in lookup would otherwise meet an empty session instead.
    app.before_request_funcs.setdefault(None, []).insert(0, session_failed_to_load)

    @app.errorhandler(CSRFError)
    def csrf_error(error: CSRFError):
        return render_error(
            400,
            "This form has expired or was not sent by this site. Please reload the page and try again.",
            "Form expired",
        )

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException):
        if isinstance(error, InternalServerError) and database_unavailable(error.original_exception):
            return _database_down(error.original_exception)
        response = render_error(error.code or 500)
        if error.code == 405 and error.valid_methods:
            body, status = response
            return body, status, {"Allow": ", ".join(error.valid_methods)}
        return response

    @app.errorhandler(Exception)
    def unexpected_error(error: Exception):
        if isinstance(error, HTTPException):
            return http_error(error)
        if database_unavailable(error):
            return _database_down(error)
        log.exception("Unhandled error on %s %s", request.method, request.path)
        return render_error(InternalServerError.code)
