"""Post/Redirect/Get with errors: a failed form is stashed, redirected with 303 and re-shown as typed."""

from flask import session
from flask_wtf import FlaskForm

_KEY = "_form_state"


def stash_form(form: FlaskForm, errors: dict | None = None) -> None:
    """Keep what the user typed (never secrets) and the errors for the next GET of the form."""
    data = {
        name: field.data
        for name, field in form._fields.items()
        if field.type not in {"PasswordField", "CSRFTokenField", "SubmitField"} and isinstance(field.data, (str, bool))
    }
    merged = {name: list(msgs) for name, msgs in form.errors.items() if name != "csrf_token"}
    for name, msgs in (errors or {}).items():
        merged.setdefault(name, []).extend(msgs)
    session[_KEY] = {"form": type(form).__name__, "data": data, "errors": merged}


def restore_form(form: FlaskForm) -> FlaskForm:
    """Refill a freshly built form from the stash, if it was stashed for this form class."""
    state = session.pop(_KEY, None)
    if not state or state.get("form") != type(form).__name__:
        return form
    for name, value in state["data"].items():
        if name in form._fields:
            form._fields[name].data = value
    for name, msgs in state["errors"].items():
        field = form._fields.get(name)
        if field is not None:
            field.errors = list(msgs)
        else:
            form.form_errors.extend(msgs)
    return form


def restore_forms(*forms: FlaskForm) -> None:
    """Refill whichever of several forms on one page was stashed (restore_form alone would drop the rest)."""
    state = session.get(_KEY) or {}
    for form in forms:
        if state.get("form") == type(form).__name__:
            restore_form(form)
            return
    session.pop(_KEY, None)
