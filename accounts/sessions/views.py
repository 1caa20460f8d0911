"""'Your sessions': see where you are signed in, end one session or all others."""

from flask import Blueprint, abort, current_app, flash, g, redirect, render_template, session, url_for

from common.clock import utcnow

from ..audit.events import record_event
from ..audit.origin import request_origin
from ..decorators import login_required
from ..extensions import db
from .forms import RevokeForm
from .services import active_sessions, end_sessions

bp = Blueprint("sessions", __name__, url_prefix="/sessions")


@bp.get("/")
@login_required
def list_sessions():
    """Every live session of the signed-in user."""
    sessions = active_sessions(g.user.id, session.sid, utcnow(), current_app.config["SESSION_IDLE_TIMEOUT"])
    return render_template("accounts/sessions/list.html", sessions=sessions, form=RevokeForm())


@bp.post("/<public_id>/revoke")
@login_required
def revoke(public_id: str):
    """End one of your sessions (only yours: the query is scoped by user)."""
    if public_id == session.sid:
        return redirect(url_for("sessions.list_sessions"), code=303)
    _record_revoked(only=public_id)
    if end_sessions(g.user.id, only=public_id, reason="revoked") == 0:
        db.session.rollback()  # nothing ended: no event either
        abort(404)
    db.session.commit()
    flash("That session is signed out.", "success")
    return redirect(url_for("sessions.list_sessions"), code=303)


@bp.post("/revoke-others")
@login_required
def revoke_others():
    """End every session of yours except this one."""
    _record_revoked(others=True)
    count = end_sessions(g.user.id, keep=session.sid, reason="revoked")
    db.session.commit()
    flash(f"Signed out {count} other session{'s' if count != 1 else ''}.", "success")
    return redirect(url_for("sessions.list_sessions"), code=303)


def _record_revoked(**details) -> None:
    """Audit ending sessions from "Your sessions"; the view commits it with the deletions."""
    record_event("session.revoked", actor_id=g.user.id, origin=request_origin(), now=utcnow(), details=details)
