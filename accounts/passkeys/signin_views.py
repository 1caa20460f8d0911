"""Signing in with a passkey alone on the sign-in page: two factors at once (the second step: mfa/passkey_views.py)."""

from flask import current_app, g, jsonify, request

from common.clock import utcnow
from common.safe_redirects import safe_next

from ..audit.events import record_event
from ..audit.origin import request_origin
from ..extensions import db, limiter
from ..identity.models import User
from ..identity.services import AccountBanned
from ..sessions import demands, signin_flow
from ..sessions.slots import PASSKEY_CHALLENGE
from . import services
from .ceremonies import PasskeyError, parse_response
from .views import bp
from .web import json_error, options_response, rp


def _signin_limit() -> str:
    return current_app.config["RATELIMIT_SIGNIN_PER_IP"]


def _body() -> dict:
    body = request.get_json(silent=True)
    return body if isinstance(body, dict) else {}


def _next_url(body: dict) -> str:
    return body.get("next") if isinstance(body.get("next"), str) else ""


def _confirming(next_raw: str) -> int | None:
    """The signed-in account an app asked to confirm ("Confirm it's you"): only its own passkeys answer."""
    return g.user.id if g.user is not None and demands.pending(next_raw) is not None else None


def _refused(error: Exception, *, actor_id: int | None, status: int = 400):
    """Audit a refused passkey sign-in (its spent challenge stays spent) and say why, as JSON."""
    record_event("signin.failed", actor_id=actor_id, origin=request_origin(), now=utcnow(), details={"why": "passkey"})
    db.session.commit()
    return json_error(str(error), status)


@bp.post("/sign-in/passkey/options")
@limiter.limit(_signin_limit)
def sign_in_options():
    """Options for navigator.credentials.get(): any passkey of this site (or, confirming, the account's own)."""
    challenge, options = services.start_sign_in(rp(), user_id=_confirming(_next_url(_body())), now=utcnow())
    db.session.commit()
    return options_response(challenge, options)


@bp.post("/sign-in/passkey")
@limiter.limit(_signin_limit)
def sign_in():
    """Check the get() answer and sign its account in: amr hwk/swk + user, two factors (oidc/assurance.py)."""
    body = _body()
    next_raw = _next_url(body)
    confirming = _confirming(next_raw)
    try:
        passkey = services.finish_sign_in(
            rp(),
            parse_response(body.get("credential")),
            challenge=PASSKEY_CHALLENGE.take(),
            user_id=confirming,
            now=utcnow(),
        )
    except PasskeyError as error:
        return _refused(error, actor_id=confirming)
    user = db.session.get(User, passkey.user_id)
    if user.is_banned(utcnow()):
        return _refused(AccountBanned(user.banned_until), actor_id=user.id, status=403)
    response = signin_flow.first_factor_passed(user, services.amr_for(passkey), safe_next(next_raw))
    db.session.commit()
    return jsonify(redirect=response.headers["Location"])
