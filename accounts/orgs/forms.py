"""Organization forms; every one carries a CSRF token. Shape is checked here, rules in rules.py."""

from flask_wtf import FlaskForm
from wtforms import EmailField, SelectChoice, SelectField, StringField
from wtforms.validators import DataRequired, Length

from ..identity.addresses import MAX_LENGTH as EMAIL_MAX_LENGTH
from ..identity.forms import email_address
from .rules import NAME_MAX, SLUG_MAX, Role

ROLE_CHOICES = [SelectChoice(role.value, role.value.capitalize()) for role in Role]


def _strip(value: str | None) -> str | None:
    return value.strip() if isinstance(value, str) else value


class CreateOrgForm(FlaskForm):
    name = StringField(
        "Name",
        filters=[_strip],
        validators=[DataRequired("Enter a name."), Length(max=NAME_MAX, message=f"Use at most {NAME_MAX} characters.")],
    )
    slug = StringField(
        "Slug",
        filters=[_strip],
        validators=[
            DataRequired("Choose a slug."),
            Length(max=SLUG_MAX, message=f"Use at most {SLUG_MAX} characters."),
        ],
    )


class RenameOrgForm(FlaskForm):
    name = StringField(
        "New name",
        filters=[_strip],
        validators=[DataRequired("Enter a name."), Length(max=NAME_MAX, message=f"Use at most {NAME_MAX} characters.")],
    )


class DeleteOrgForm(FlaskForm):
    confirm = StringField("Type the slug to confirm", filters=[_strip], validators=[DataRequired("Type the slug.")])


class TransferForm(FlaskForm):
    # No DataRequired: an empty field is a mismatch like any other, told by rules.check_typed_slug.
    confirm = StringField("Type the slug to confirm", filters=[_strip])


class InviteForm(FlaskForm):
    email = EmailField(
        "Email",
        filters=[_strip],
        # The sign-up rule (identity.addresses): whoever can be invited can also create the account.
        validators=[DataRequired("Enter an email address."), Length(max=EMAIL_MAX_LENGTH), email_address],
    )
    role = SelectField("Role", choices=ROLE_CHOICES, default=Role.MEMBER.value)


class RoleForm(FlaskForm):
    role = SelectField("Role", choices=ROLE_CHOICES)


class ActionForm(FlaskForm):
    """A form with nothing but its CSRF token: remove, transfer, leave, revoke, accept, decline."""
