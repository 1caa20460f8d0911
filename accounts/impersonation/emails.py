"""The mail that tells a user an admin acted as them (SPEC §2.8): nobody is impersonated unknowingly."""

from datetime import datetime

from flask import current_app, url_for

from common.clock import utc_from_timestamp

from ..identity.models import User
from ..mail.sender import send_mail


def send_impersonation_notice(user: User, admin: User, *, reason: str, now: datetime, expires_at: int) -> None:
    """Tell the user who acts as them, why and until when, and where to see it."""
    until = utc_from_timestamp(expires_at)
    send_mail(
        user.email,
        "An administrator is signed in to your Gatehouse account",
        f"Hello {user.name},\n\nAn administrator, {admin.name}, started acting as you at "
        f"{now:%Y-%m-%d %H:%M} UTC, for at most an hour (until {until:%H:%M} UTC).\n"
        f"The reason they gave: {reason}\n\n"
        "They cannot see or change your password, email address or two-factor settings. "
        "Your security page lists every time this happened:\n"
        f"{current_app.config['SITE_URL']}{url_for('mfa.security')}\n",
    )
