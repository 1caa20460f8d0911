"""The development outbox: read the mail Accounts would have sent."""

from flask import Blueprint, abort, current_app, render_template
from sqlalchemy import select

from ..extensions import db
from .models import OutboxMessage
from .sender import outbox_enabled

bp = Blueprint("mail", __name__, url_prefix="/dev/outbox")


@bp.before_request
def only_without_smtp():
    """The outbox exists only when mail is not really sent, and never in production."""
    if not outbox_enabled() or current_app.config["GATEHOUSE_ENV"] == "production":
        abort(404)


@bp.get("/")
def outbox():
    """List the most recent messages."""
    messages = db.session.scalars(select(OutboxMessage).order_by(OutboxMessage.id.desc()).limit(50))
    return render_template("accounts/mail/outbox.html", messages=list(messages))
