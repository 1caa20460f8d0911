"""Magic-link forms; each carries a CSRF token."""

from flask_wtf import FlaskForm
from wtforms import EmailField, HiddenField
from wtforms.validators import DataRequired, Length

from ..identity.addresses import MAX_LENGTH as EMAIL_MAX_LENGTH
from ..identity.forms import email_address


class MagicLinkForm(FlaskForm):
    """The address to mail a sign-in link to, and where the sign-in goes afterwards."""

    email = EmailField(
        "Email", validators=[DataRequired(), Length(max=EMAIL_MAX_LENGTH), email_address], render_kw={"autofocus": True}
    )
    next = HiddenField()


class SpendLinkForm(FlaskForm):
    """Nothing but the CSRF token: the button behind the link, so a mail scanner's GET spends nothing."""
