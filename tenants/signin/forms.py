"""Tenant sign-in forms."""

from flask_wtf import FlaskForm


class SignOutForm(FlaskForm):
    """Sign out (POST with CSRF, so another site cannot sign you out)."""
