"""The Origin of the current request, for views that record events."""

from flask import request

from ..sessions.authentication import current
from .events import Origin


def request_origin() -> Origin:
    """The client's address and user agent from flask.request, and the admin behind it while impersonating."""
    # PostgreSQL refuses NUL characters in text; a header could carry one.
    agent = (request.user_agent.string or "").replace("\x00", "")
    auth = current()
    return Origin(ip=request.remote_addr, user_agent=agent, impersonator_id=auth.actor_id if auth else None)
