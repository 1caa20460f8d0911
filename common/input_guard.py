"""Input no site can use, refused with 400 before any view sees it."""

from itertools import chain

from flask import Flask, abort, request

# Werkzeug parses a form only for these; any other body (JSON) is the view's to read and validate.
FORM_TYPES = {"application/x-www-form-urlencoded", "multipart/form-data"}


def refuse_nul_bytes() -> None:
    """NUL is never text a person typed, and PostgreSQL can neither store nor compare it (it would be a 500)."""
    environ = request.environ
    query = environ.get("QUERY_STRING", "")
    # The raw query: a NUL in any decoded name or value is a %00 here (percent-decoding is one level deep).
    if "\x00" in request.path or "%00" in query or "\x00" in query:
        abort(400)
    # Headers as the server handed them over: the environ's strings, without building a Headers view.
    headers = (value for key, value in environ.items() if key.startswith("HTTP_") or key == "CONTENT_TYPE")
    if any("\x00" in value for value in headers):
        abort(400)
    if request.mimetype in FORM_TYPES and any(
        "\x00" in value for value in chain.from_iterable(request.form.listvalues())
    ):
        abort(400)


def init_input_guard(app: Flask) -> None:
    """Check every request before CSRF, rate limits and views read it."""
    app.before_request(refuse_nul_bytes)
