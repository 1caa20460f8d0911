"""The mail federation sends: the confirmation that links an upstream identity to an existing account."""

from flask import current_app, url_for

from ..identity.models import User
from ..mail.sender import send_mail


def send_link_confirmation(user: User, provider_name: str, token: str) -> None:
    """Mail the single-use link that proves the inbox is the account owner's, before a provider is linked."""
    link = current_app.config["SITE_URL"] + url_for("federation.confirm_by_mail", token=token)
    send_mail(
        user.email,
        f"Link {provider_name} to your Gatehouse account?",
        f"Hello {user.name},\n\nSomeone signed in with {provider_name} using this address and asked to link it to "
        f"your Gatehouse account. If it was you, open this link within 10 minutes, in the same browser:\n\n{link}\n\n"
        "If it was not you, ignore this message: nothing is linked.\n",
    )
