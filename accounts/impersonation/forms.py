"""Impersonation forms; both carry a CSRF token, so no other site can start or stop one (SPEC §2.8)."""

from flask_wtf import FlaskForm
from wtforms import TextAreaField
from wtforms.validators import DataRequired, Length, Regexp

from .rules import REASON_MAX


class StartForm(FlaskForm):
    """Impersonate a user: the reason is required; the user, the audit log and every banner show it."""

    reason = TextAreaField(
        "Reason (the user is told, and it shows on every page while you act as them)",
        id="impersonation-reason",  # the ban form on the same page has a "reason" too
        validators=[
            DataRequired(),
            Length(max=REASON_MAX),
            # Tokens carry the reason to every app; line breaks are fine, other control characters are not.
            Regexp(r"^[^\x00-\x08\x0b\x0c\x0e-\x1f\x7f]*$", message="Use plain text."),
        ],
    )


class StopForm(FlaskForm):
    """Stop impersonating: just the CSRF token."""
