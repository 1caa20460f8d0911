"""The invitation mail; its link is an absolute URL on the Accounts site."""

from flask import current_app, url_for

from ..identity.models import User
from ..mail.sender import send_mail
from .models import Invitation


def send_invitation(invitation: Invitation, inviter: User, token: str) -> None:
    """Mail a single-use, expiring link to join the org."""
    link = current_app.config["SITE_URL"] + url_for("orgs.invitation", token=token)
    days = round((invitation.expires_at - invitation.created_at).total_seconds() / 86400)
    send_mail(
        invitation.email,
        "You are invited to an organization on Gatehouse",
        f"Hello,\n\n{inviter.name} ({inviter.email}) invited you to join the organization "
        f"“{invitation.org.name}” on Gatehouse as {invitation.role}.\n\n"
        f"Open this link within {days} days to accept or decline:\n\n{link}\n\n"
        "You will need to sign in (or sign up) with this email address. "
        "If you did not expect this invitation, ignore this message.\n",
    )
