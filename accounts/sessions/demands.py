"""What an app's authorization request demands of the sign-in it sent the user to, kept server-side.

The provider writes it when /authorize needs a sign-in; the sign-in page and its stages read it; the
authorization request that comes back consumes it. Nothing of it rides in URLs or form fields.
"""

import hashlib
import time
from dataclasses import dataclass

from .slots import SIGN_IN_DEMAND


@dataclass(frozen=True)
class SignInDemand:
    """Which checks of the authorization request tripped, for which request, and when it was made."""

    request_key: str  # SHA-256 of the authorization request it belongs to
    return_to: str  # where to go once signed in: that request, unchanged
    client_name: str
    checks: tuple[str, ...]  # the named checks that asked for a sign-in (accounts/oidc/interaction.py)
    second_factor: bool  # the app asked for the second-factor acr: a trusted device does not skip the code
    created_at: int

    def satisfied_by(self, auth_time: int) -> bool:
        """A sign-in completed after the demand was made answers it (prompt=login, max_age, acr)."""
        return auth_time >= self.created_at


def request_key(full_path: str) -> str:
    """The identity of an authorization request: its exact path and query."""
    return hashlib.sha256(full_path.encode()).hexdigest()


def demand(*, full_path: str, client_name: str, checks: list[str], second_factor: bool) -> SignInDemand:
    """Remember what this authorization request needs from the sign-in it is about to send the user to."""
    made = SignInDemand(request_key(full_path), full_path, client_name, tuple(checks), second_factor, int(time.time()))
    SIGN_IN_DEMAND.put({**made.__dict__, "checks": list(made.checks)})
    return made


def pending(next_url: str | None = None) -> SignInDemand | None:
    """The demand waiting for a sign-in in this session; with next_url, only if that sign-in returns to it."""
    record = SIGN_IN_DEMAND.get()
    if not isinstance(record, dict):
        return None
    try:
        made = SignInDemand(**{**record, "checks": tuple(record["checks"])})
    except (TypeError, KeyError):
        SIGN_IN_DEMAND.clear()
        return None
    return made if next_url is None or made.return_to == next_url else None


def answered(full_path: str, auth_time: int | None) -> SignInDemand | None:
    """The demand of this very request if a sign-in since answered it (kept until the code is issued)."""
    made = pending()
    if made is None or made.request_key != request_key(full_path):
        return None
    if auth_time is None or not made.satisfied_by(auth_time):
        return None
    return made


def withdraw() -> None:
    """Forget the demand: its request was answered, or the user went elsewhere."""
    SIGN_IN_DEMAND.clear()
