"""Federation forms; every one carries a CSRF token."""

from flask_wtf import FlaskForm
from wtforms import PasswordField
from wtforms.validators import DataRequired, Length

from ..identity.passwords import MAX_LENGTH


class ProveAccountForm(FlaskForm):
    """The existing account's password, before an upstream identity with its address is linked to it."""

    password = PasswordField(
        "Your Gatehouse password", validators=[DataRequired(), Length(max=MAX_LENGTH)], render_kw={"autofocus": True}
    )
