"""Second-factor forms; every one carries a CSRF token."""

from flask_wtf import FlaskForm
from wtforms import BooleanField, PasswordField, StringField
from wtforms.validators import DataRequired, Length, ValidationError

from ..identity.passwords import MAX_LENGTH
from .services import SecondFactorError, parse_code


def code_shape(form, field) -> None:
    """Refuse empty, too long or malformed codes with the same words the rules use."""
    try:
        parse_code(field.data)
    except SecondFactorError as error:
        raise ValidationError(str(error)) from error


class CodeField(StringField):
    """A one-time code box: no spell-check or capitals; a digit keyboard where only TOTP codes fit."""

    def __init__(self, label: str, *, digits_only: bool = False, **kwargs):
        render_kw = {
            "inputmode": "numeric" if digits_only else "text",
            "autocapitalize": "off",
            "spellcheck": "false",
            "maxlength": 40,
            "autofocus": True,  # the one field of its page
        }
        super().__init__(label, validators=[code_shape], render_kw=render_kw, **kwargs)


class ChallengeForm(FlaskForm):
    code = CodeField("Code from your app, or a backup code")
    remember = BooleanField("Trust this device for 30 days")


class ConfirmEnrolmentForm(FlaskForm):
    code = CodeField("Code from your app", digits_only=True)


class ReauthenticateForm(FlaskForm):
    """Sensitive changes ask for the password again (turn off 2FA, new backup codes)."""

    password = PasswordField(
        "Your password", validators=[DataRequired(), Length(max=MAX_LENGTH)], render_kw={"autofocus": True}
    )


class ActionForm(FlaskForm):
    """A button with nothing but its CSRF token (start set-up, forget devices, cancel)."""
