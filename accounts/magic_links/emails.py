"""The mail with the sign-in link; the link is an absolute URL on the Accounts site."""

from datetime import timedelta

from flask import current_app, url_for

from ..identity.models import User
from ..mail.sender import send_mail


def send_sign_in_link(user: User, token: str, lifetime: timedelta) -> None:
    """Mail a link that signs in once, in the browser that asked, within `lifetime`."""
    minutes = int(lifetime.total_seconds() // 60)
    link = current_app.config["SITE_URL"] + url_for("magic_links.confirm", token=token)
    send_mail(
        user.email,
        "Your Gatehouse sign-in link",
        f"Hello {user.name},\n\nOpen this link within {minutes} minutes, in the same browser where you asked for it, "
        f"and press the button to sign in:\n\n{link}\n\n"
        "The link works once. If you did not ask for it, ignore this message: nobody can use it from another "
        "browser.\n",
    )
