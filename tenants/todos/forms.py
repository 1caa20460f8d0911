"""Todo page forms; every one carries a CSRF token. Field rules live in services.clean_fields alone.

The API and the pages accept exactly the same todos, so the forms add no rules of their own:
services.clean_fields reports every problem at once, and the view shows each next to its field.
"""

from flask_wtf import FlaskForm
from wtforms import BooleanField, SelectChoice, SelectField, StringField, TextAreaField

from .models import NOTES_MAX, TITLE_MAX

VISIBILITY_CHOICES = [SelectChoice("org", "Organization: every member"), SelectChoice("private", "Private: only me")]


def _strip(value: str | None) -> str | None:
    return value.strip() if isinstance(value, str) else value


class TodoForm(FlaskForm):
    """Create or edit a todo. The due date stays text, so a mistyped date comes back as typed."""

    title = StringField("Title", filters=[_strip], render_kw={"maxlength": TITLE_MAX, "required": True})
    notes = TextAreaField("Notes", render_kw={"maxlength": NOTES_MAX})
    due_date = StringField("Due date", filters=[_strip], render_kw={"type": "date"})
    visibility = SelectField("Who can see it", choices=VISIBILITY_CHOICES, default="private", validate_choice=False)
    done = BooleanField("Done")

    def fields_for_service(self) -> dict:
        """The submitted values as services.clean_fields expects them (an empty date clears it)."""
        names = ("title", "notes", "due_date", "visibility", "done")
        data = {name: self._fields[name].data for name in names if name in self._fields}
        data["due_date"] = data["due_date"] or None
        data["notes"] = data["notes"] or ""
        return data


class ActionForm(FlaskForm):
    """A bare POST (toggle, delete): only the CSRF token."""


class SwitchOrgForm(FlaskForm):
    """The header's active-organization switcher; choices are the orgs of the signed-in user's claim."""

    # Checked against the `orgs` claim in the view, not against the rendered choices.
    org_id = SelectField("Organization", choices=[], validate_choice=False)
