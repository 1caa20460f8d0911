"""Passkey forms; every one carries a CSRF token (the JSON endpoints take it in the X-CSRFToken header)."""

from flask_wtf import FlaskForm
from wtforms import StringField
from wtforms.validators import DataRequired, Length

from .services import MAX_NAME


class NameForm(FlaskForm):
    """A passkey's name: asked when adding one, changed with Rename."""

    name = StringField(
        "Passkey name", validators=[DataRequired(), Length(max=MAX_NAME)], render_kw={"maxlength": MAX_NAME}
    )
