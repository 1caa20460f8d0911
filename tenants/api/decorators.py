"""Access decorators for the API: a valid bearer access token with the scope a route needs."""

import re
from functools import wraps

from flask import g, request

from ..signin.client import ProviderUnavailable
from .bearer import InvalidToken, authenticate
from .errors import api_error, bearer_challenge

READ = "todos:read"
WRITE = "todos:write"
# RFC 6750 §2.1: "Bearer" (any case, RFC 9110 §11.1) then one token68; nothing else is a bearer credential.
BEARER = re.compile(r"Bearer +([A-Za-z0-9\-._~+/]+=*)", re.IGNORECASE)


def _credential() -> str | None:
    """The bearer token from the Authorization header (never from the query string: RFC 6750 §2.3, §5.3)."""
    header = request.headers.get("Authorization", "")
    match = BEARER.fullmatch(header.strip())
    return match.group(1) if match else None


def token_required(scope: str):
    """The route needs a valid access token for this tenant granting `scope`; puts it on g.access_token."""

    def decorator(view):
        @wraps(view)
        def wrapped(*args, **kwargs):
            raw = _credential()
            if raw is None:
                if request.headers.get("Authorization", "").lower().startswith("bearer"):
                    return bearer_challenge(401, "invalid_token", "The bearer token is malformed.")
                return bearer_challenge(401, None, "Send an access token: Authorization: Bearer <token>.")
            try:
                token = authenticate(raw)
            except InvalidToken as error:
                return bearer_challenge(401, "invalid_token", f"The access token is invalid: {error}.")
            except ProviderUnavailable:
                return api_error(503, "temporarily_unavailable", "The provider's keys cannot be fetched right now.")
            if scope not in token.scopes:
                return bearer_challenge(
                    403, "insufficient_scope", f"This call needs an access token with the {scope} scope.", scope=scope
                )
            g.access_token = token
            return view(*args, **kwargs)

        return wrapped

    return decorator
