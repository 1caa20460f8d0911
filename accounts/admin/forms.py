"""Admin console forms; every one carries a CSRF token. None has a password field: admins never see or set one."""

from flask_wtf import FlaskForm
from wtforms import DateField, HiddenField, TextAreaField
from wtforms.validators import AnyOf, DataRequired, Length, Optional

from .permissions import ROLES


class BanForm(FlaskForm):
    """Ban a user: a reason, and optionally the last day of the ban."""

    reason = TextAreaField(
        "Reason (shown to other admins and in the audit log)", validators=[DataRequired(), Length(max=500)]
    )
    until = DateField("Banned until (optional, inclusive)", validators=[Optional()])


class RoleForm(FlaskForm):
    """Set the site role (the page offers the one other role as a button)."""

    role = HiddenField("Site role", validators=[DataRequired(), AnyOf(ROLES)])


class ActionForm(FlaskForm):
    """A confirm-only action (unban, revoke sessions, reset 2FA): just the CSRF token."""
