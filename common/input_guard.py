"""Input no site can use, refused with 400 before any view sees it."""

from itertools import chain

from flask import Flask, abort, request


def refuse_nul_bytes() -> None:
    """NUL is never text a person typed, and PostgreSQL can neither store nor compare it (it would be a 500)."""
    values = chain(
        [request.path],
        chain.from_iterable(request.args.listvalues()),
        chain.from_iterable(request.form.listvalues()),
        request.headers.values(),
    )
    if any("\x00" in value for value in values):
        abort(400)


def init_input_guard(app: Flask) -> None:
    """Check every request before CSRF, rate limits and views read it."""
    app.before_request(refuse_nul_bytes)
