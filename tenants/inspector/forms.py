"""Flow inspector forms."""

from flask_wtf import FlaskForm


class RevealTokenForm(FlaskForm):
    """Show the access token: a POST (never in a URL or the history), with CSRF like every browser form."""
