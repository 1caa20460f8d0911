"""The development-only "show access token" of the flow inspector: who may see it, and what it says."""

import base64
import json

from common.settings import DEVELOPMENT, TESTING

# A bearer token is a key to the user's data: only where demo data lives may a page hand one out.
REVEAL_ENVIRONMENTS = frozenset({DEVELOPMENT, TESTING})


def token_reveal_allowed(environment: str) -> bool:
    """True in development and testing; never in production (GATEHOUSE_ENV)."""
    return environment in REVEAL_ENVIRONMENTS


def peek_claims(token: str) -> dict:
    """A JWT's payload, decoded but not verified (the API verifies it); {} when it is not a JWT."""
    parts = token.split(".")
    if len(parts) != 3:
        return {}
    try:
        payload = json.loads(base64.urlsafe_b64decode(parts[1] + "=" * (-len(parts[1]) % 4)))
    except (ValueError, UnicodeDecodeError):
        return {}
    return payload if isinstance(payload, dict) else {}
