"""The request hooks of the sessions context, wired by accounts.create_app()."""

from flask import Flask

from .authentication import load
from .signin_flow import confine_to_stages


def init_sessions(app: Flask) -> None:
    """Every request first learns who is signed in; a half-finished sign-in reaches its stage and nothing else."""
    app.before_request(load)
    app.before_request(confine_to_stages)
