"""The mails identity flows send; links are absolute URLs on the Accounts site."""

from flask import current_app, url_for

from ..mail.sender import send_mail
from .models import User


def _link(endpoint: str, **values) -> str:
    return current_app.config["SITE_URL"] + url_for(endpoint, **values)


def send_verification(user: User, token: str) -> None:
    """Mail the link that confirms a new address."""
    send_mail(
        user.email,
        "Confirm your email for Gatehouse",
        f"Hello {user.name},\n\nConfirm your email address by opening this link within 24 hours:\n\n"
        f"{_link('identity.verify_email', token=token)}\n\nIf you did not sign up, ignore this message.\n",
    )


def send_already_registered(user: User) -> None:
    """Tell the owner of an address that someone tried to sign up with it again."""
    send_mail(
        user.email,
        "Someone tried to sign up with your email",
        f"Hello {user.name},\n\nSomeone tried to create a Gatehouse account with this address, which already has one.\n"
        f"If it was you, sign in: {_link('identity.sign_in')}\n"
        f"Forgot your password? {_link('identity.reset_request')}\n",
    )


def send_password_reset(user: User, token: str) -> None:
    """Mail a reset link that works once, for 30 minutes."""
    send_mail(
        user.email,
        "Reset your Gatehouse password",
        f"Hello {user.name},\n\nOpen this link within 30 minutes to choose a new password:\n\n"
        f"{_link('identity.reset_password', token=token)}\n\n"
        "If you did not ask for this, ignore this message: your password stays as it is.\n",
    )


def send_password_changed(user: User) -> None:
    """Tell the user their password changed, in case it was not them."""
    send_mail(
        user.email,
        "Your Gatehouse password was changed",
        f"Hello {user.name},\n\nYour password was just changed and your other sessions were signed out.\n"
        f"If this was not you, reset your password now: {_link('identity.reset_request')}\n",
    )
