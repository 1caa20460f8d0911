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


def send_email_change_link(user: User, new_email: str, token: str) -> None:
    """Mail the new address the link that moves the account to it."""
    send_mail(
        new_email,
        "Confirm your new email for Gatehouse",
        f"Hello {user.name},\n\nYou asked to use this address for your Gatehouse account. Open this link within "
        f"24 hours and press the button to confirm it:\n\n{_link('identity.confirm_email_change', token=token)}\n\n"
        "If you did not ask for this, ignore this message: nothing changes.\n",
    )


def send_email_change_taken(new_email: str) -> None:
    """Tell the owner of an address that someone asked to move another account to it (no link, no names)."""
    send_mail(
        new_email,
        "Someone tried to use your email for another Gatehouse account",
        "Hello,\n\nSomeone asked to move a Gatehouse account to this address, but an account already uses it, "
        "so nothing changed.\n"
        f"If this is your account, sign in: {_link('identity.sign_in')}\n"
        f"Forgot your password? {_link('identity.reset_request')}\n",
    )


def send_email_changed(user: User, old_email: str, masked_new: str) -> None:
    """Tell the address the account left that it left, in case it was not the owner."""
    send_mail(
        old_email,
        "Your Gatehouse email address was changed",
        f"Hello {user.name},\n\nThe email address of your Gatehouse account was changed to {masked_new}. "
        "This address no longer signs in.\n\n"
        # A reset link would now go to the new address, so the way back for the owner is support.
        "If this was not you, contact support right away by replying to this message. If you can still sign in, "
        f"change your password: {_link('identity.change_password')}\n",
    )
