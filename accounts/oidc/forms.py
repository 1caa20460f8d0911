"""Forms of the provider's pages; each carries a CSRF token."""

from flask_wtf import FlaskForm
from wtforms import SubmitField


class ConsentForm(FlaskForm):
    """Allow or deny a client's request (the request itself stays in the URL)."""

    allow = SubmitField("Allow")
    deny = SubmitField("Deny")


class EndSessionForm(FlaskForm):
    """Confirm signing out when the request could not prove which app or user it came for."""

    confirm = SubmitField("Sign out")


class DisconnectForm(FlaskForm):
    """Withdraw consent from an app (CSRF only; the app is in the URL)."""
