"""Forms of the sessions page."""

from flask_wtf import FlaskForm


class RevokeForm(FlaskForm):
    """Revoke one session or all others (CSRF only; the target is in the URL)."""
