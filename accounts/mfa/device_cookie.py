"""The trusted-device cookie: its own name, host-only, HttpOnly, SameSite=Lax, Secure outside development."""

from flask import Response, current_app, request

from common.clock import utcnow

from .settings import mfa_settings
from .trusted_devices import check_device, cookie_value


def _name() -> str:
    # Derived from the session cookie name, so it inherits the __Host- prefix outside development.
    return current_app.config["SESSION_COOKIE_NAME"] + "_device"


def is_trusted_here(user_id: int) -> bool:
    """True if this browser carries a live trusted-device cookie of this user."""
    return check_device(
        current_app.config["SECRET_KEY"],
        request.cookies.get(_name()),
        user_id,
        lifetime=mfa_settings(current_app.config).device_lifetime,
        now=utcnow(),
    )


def set_device_cookie(response: Response, user_id: int, raw: str) -> None:
    """Give this browser its signed device token; no Domain, so only this host ever sees it."""
    response.set_cookie(
        _name(),
        cookie_value(current_app.config["SECRET_KEY"], user_id, raw),
        max_age=int(mfa_settings(current_app.config).device_lifetime.total_seconds()),
        httponly=True,  # script never needs it, so XSS cannot read it
        secure=current_app.config["SESSION_COOKIE_SECURE"],
        samesite="Lax",
        path="/",
    )


def clear_device_cookie(response: Response) -> None:
    """Drop the device cookie from this browser (its record is already revoked)."""
    response.delete_cookie(
        _name(), path="/", secure=current_app.config["SESSION_COOKIE_SECURE"], httponly=True, samesite="Lax"
    )
