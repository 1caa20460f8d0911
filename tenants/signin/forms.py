"""Tenant sign-in forms."""

from flask_wtf import FlaskForm


class SignOutForm(FlaskForm):
    """Sign out (POST with CSRF, so another site cannot sign you out)."""


class ResumeForm(FlaskForm):
    """Send again a form whose POST met an expired sign-in: its fields ride along as hidden inputs."""
