"""The request hooks of the sessions context, wired by accounts.create_app()."""

from flask import Flask

from .authentication import load
from .signin_flow import confine_to_stages, greet_on_page, take_greeting


def init_sessions(app: Flask) -> None:
    """Every request first learns who is signed in; a half-finished sign-in reaches its stage and nothing else.

    The request after a sign-in takes its greeting, shown only if that request renders a page.
    """
    app.before_request(load)
    app.before_request(confine_to_stages)
    app.before_request(take_greeting)
    app.context_processor(greet_on_page)
