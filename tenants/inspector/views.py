"""Flow inspector page: decoded ID-token claims, token lifetimes, the last authorization request."""

import time

from flask import Blueprint, current_app, g, render_template, session

from common.clock import utcnow

from ..signin.decorators import login_required
from ..signin.impersonation import stop_url, time_left_text
from ..signin.stepup import STEP_UP_MAX_AGE, second_factor_fresh
from ..signin.tokens import get_token_set

bp = Blueprint("inspector", __name__)


def redact(token: str | None) -> str | None:
    """Enough of a token to recognise it, never enough to use it."""
    return None if not token else f"{token[:8]}… ({len(token)} characters, redacted)"


@bp.get("/inspector")
@login_required
def inspector():
    """Show the current session's OIDC state; secrets are redacted."""
    token_set = get_token_set(session["token_set_id"], current_app.config["SITE"])
    now = utcnow()
    claims = session.get("claims", {})
    lifetimes = {
        "access_token": redact(token_set.access_token) if token_set else None,
        "access_token_expires_in_s": int((token_set.access_expires_at - now).total_seconds()) if token_set else None,
        "refresh_token": redact(token_set.refresh_token) if token_set else None,
        "id_token_expires_in_s": int(claims["exp"] - time.time()) if "exp" in claims else None,
        "authenticated_s_ago": int(time.time() - claims["auth_time"]) if "auth_time" in claims else None,
    }
    fresh = second_factor_fresh(claims, now=int(time.time()), max_age=STEP_UP_MAX_AGE)
    step_up = {
        "fresh": fresh,
        "seconds_left": int(claims["auth_time"] + STEP_UP_MAX_AGE - time.time()) if fresh else 0,
        "minutes": STEP_UP_MAX_AGE // 60,
    }
    return render_template(
        "tenants/inspector/inspector.html",
        claims=claims,
        step_up=step_up,
        lifetimes=lifetimes,
        auth_request=session.get("auth_request", {}),
        sid=session.get("op_sid"),
        impersonation=g.identity.impersonation,
        impersonation_time_left=time_left_text(g.identity.impersonation, now) if g.identity.impersonation else None,
        stop_impersonation_url=stop_url(current_app.config["TENANT"].issuer),
        issuer=current_app.config["TENANT"].issuer,
    )
