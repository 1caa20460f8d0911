"""'Your sessions': see where you are signed in, end one session or all others."""

from flask import Blueprint, abort, current_app, flash, g, redirect, render_template, session, url_for

from common.clock import utcnow

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
    if end_sessions(g.user.id, only=public_id, reason="revoked") == 0:
        abort(404)
    db.session.commit()
    flash("That session is signed out.", "success")
    return redirect(url_for("sessions.list_sessions"), code=303)


@bp.post("/revoke-others")
@login_required
def revoke_others():
    """End every session of yours except this one."""
    count = end_sessions(g.user.id, keep=session.sid, reason="revoked")
    db.session.commit()
    flash(f"Signed out {count} other session{'s' if count != 1 else ''}.", "success")
    return redirect(url_for("sessions.list_sessions"), code=303)
