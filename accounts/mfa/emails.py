"""The mails second-factor flows send; each tells the owner about something they may not have done."""

from datetime import datetime

from flask import current_app, url_for

from ..identity.models import User
from ..mail.sender import send_mail


def _link(endpoint: str) -> str:
    return current_app.config["SITE_URL"] + url_for(endpoint)


def send_locked_out(user: User, until: datetime) -> None:
    """A lockout means someone knew the password: tell the owner to change it."""
    send_mail(
        user.email,
        "Wrong two-factor codes on your Gatehouse account",
        f"Hello {user.name},\n\nSomeone entered your password correctly, then too many wrong two-factor codes.\n"
        f"Sign-in with a code is paused until {until:%Y-%m-%d %H:%M} UTC.\n\n"
        f"If this was not you, your password is known to someone else: change it now at "
        f"{_link('identity.reset_request')}\n",
    )


def send_second_factor_off(user: User) -> None:
    """Tell the user 2FA was switched off, in case it was not them."""
    send_mail(
        user.email,
        "Two-factor authentication is off on your Gatehouse account",
        f"Hello {user.name},\n\nTwo-factor authentication was just switched off; signing in needs only your "
        f"password now.\nIf this was not you, reset your password and switch it on again: "
        f"{_link('identity.reset_request')}\n",
    )
