"""What the last step-up's answer said about the signed-in user, kept in the local session (its one owner).

A step-up that comes back without a second factor means the user has none at the provider (it asks
every enrolled user for the code when acr_values asks for it): the clean page after the callback
explains that, and pages that would send the user round again explain it instead of asking again.
"""

from flask import session

KEY = "step_up_refused"


def remember_refusal(sub: str, next_url: str, max_age: int) -> None:
    """The step-up for next_url came back without a second factor for this user."""
    session[KEY] = {"sub": sub, "next": next_url, "max_age": max_age}


def refusal(sub: str | None) -> dict | None:
    """The refused step-up of this user ({"next", "max_age"}), or None."""
    record = session.get(KEY)
    if not isinstance(record, dict) or sub is None or record.get("sub") != sub:
        return None
    if not isinstance(record.get("next"), str) or not isinstance(record.get("max_age"), int):
        return None
    return record


def forget_refusal() -> None:
    """A new step-up starts, or one succeeded: what the last one said no longer holds."""
    session.pop(KEY, None)
