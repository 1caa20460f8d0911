"""Tenant sign-in forms."""

from flask_wtf import FlaskForm


class ResumeForm(FlaskForm):
    """Send again a form whose POST met an expired sign-in: its fields ride along as hidden inputs."""
