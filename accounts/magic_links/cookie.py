"""The browser-binding cookie: a random value whose hash is stored with each link this browser asks for.

HttpOnly, SameSite=Lax, host-only, Secure outside development and tests, and sent to the magic-link
pages only (its path), so no other page ever carries it.
"""

from datetime import timedelta

from flask import Response, current_app, request

PATH = "/sign-in/link"


def _name() -> str:
    # __Host- demands Path=/, so a path-limited cookie takes the __Secure- prefix where cookies are Secure.
    base = current_app.config["SESSION_COOKIE_NAME"].removeprefix("__Host-") + "_link"
    return f"__Secure-{base}" if current_app.config["SESSION_COOKIE_SECURE"] else base


def read_browser_value() -> str | None:
    """The value this browser holds, if any (services.is_well_formed judges it)."""
    return request.cookies.get(_name())


def set_browser_value(response: Response, value: str, lifetime: timedelta) -> None:
    """Give this browser its value for as long as the links it asked for live."""
    response.set_cookie(
        _name(),
        value,
        max_age=int(lifetime.total_seconds()),
        path=PATH,
        httponly=True,  # script never needs it, so XSS cannot lift it to another browser
        secure=current_app.config["SESSION_COOKIE_SECURE"],
        samesite="Lax",  # the link is a top-level navigation from a mail, which Lax still sends
    )
