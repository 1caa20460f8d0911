"""Identity forms; every one carries a CSRF token."""

from flask_wtf import FlaskForm
from wtforms import EmailField, HiddenField, PasswordField, StringField
from wtforms.validators import DataRequired, EqualTo, Length, Regexp, ValidationError

from .addresses import MAX_LENGTH as EMAIL_MAX_LENGTH
from .addresses import is_valid_email
from .passwords import MAX_LENGTH, MIN_LENGTH


def email_address(form, field) -> None:
    """A syntactically valid email address, by the one rule (addresses.is_valid_email)."""
    if not is_valid_email(field.data or ""):
        raise ValidationError("Enter a valid email address.")


EMAIL = [DataRequired(), Length(max=EMAIL_MAX_LENGTH), email_address]
# Names go into mails and pages: line breaks or other control characters would let a name forge mail text.
NAME = [
    DataRequired(),
    Length(max=100),
    Regexp(r"^[^\x00-\x1f\x7f]*$", message="Use no line breaks or control characters."),
]
NEW_PASSWORD = [DataRequired(), Length(min=MIN_LENGTH, max=MAX_LENGTH)]


class SignUpForm(FlaskForm):
    name = StringField("Name", validators=NAME)
    email = EmailField("Email", validators=EMAIL)
    password = PasswordField("Password", validators=NEW_PASSWORD)


class SignInForm(FlaskForm):
    email = EmailField("Email", validators=[DataRequired(), Length(max=254)], render_kw={"autofocus": True})
    password = PasswordField("Password", validators=[DataRequired(), Length(max=MAX_LENGTH)])
    next = HiddenField()


class ConfirmSignInForm(FlaskForm):
    """Re-authentication of the signed-in account (GitHub's sudo mode): the account is fixed, only the password."""

    password = PasswordField(
        "Password", validators=[DataRequired(), Length(max=MAX_LENGTH)], render_kw={"autofocus": True}
    )
    next = HiddenField()


class ResetRequestForm(FlaskForm):
    email = EmailField("Email", validators=EMAIL)


class ResetPasswordForm(FlaskForm):
    password = PasswordField("New password", validators=NEW_PASSWORD)
    confirm = PasswordField(
        "Repeat new password", validators=[DataRequired(), EqualTo("password", "The passwords do not match.")]
    )


class ChangePasswordForm(FlaskForm):
    current_password = PasswordField("Current password", validators=[DataRequired(), Length(max=MAX_LENGTH)])
    password = PasswordField("New password", validators=NEW_PASSWORD)
    confirm = PasswordField(
        "Repeat new password", validators=[DataRequired(), EqualTo("password", "The passwords do not match.")]
    )


class ConfirmForm(FlaskForm):
    """A form with nothing but its CSRF token: sign out, confirm an emailed link."""


class ChangeEmailForm(FlaskForm):
    # The same address rule as sign-up (EMAIL), so every address an account can have could also sign up.
    email = EmailField("New email address", validators=EMAIL)
    password = PasswordField("Your password", validators=[DataRequired(), Length(max=MAX_LENGTH)])
