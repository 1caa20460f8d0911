"""A passkey as the second step after the password (the stage's other way through, beside a code)."""

from flask import current_app, jsonify, request

from common.clock import utcnow

from ..audit.events import record_event
from ..audit.origin import request_origin
from ..extensions import db, limiter
from ..passkeys import services as passkeys
from ..passkeys.ceremonies import PasskeyError, parse_response
from ..passkeys.web import json_error, options_response, rp
from ..sessions import signin_flow
from ..sessions.slots import PASSKEY_CHALLENGE
from . import device_cookie, services
from .settings import mfa_settings
from .stage import SecondFactorStage
from .views import bp

TIMED_OUT = "Your sign-in timed out. Please sign in again."


def _signin_limit() -> str:
    return current_app.config["RATELIMIT_SIGNIN_PER_IP"]


@bp.post("/sign-in/two-factor/passkey/options")
@limiter.limit(_signin_limit)
def passkey_options():
    """Options for the second step: one of the passkeys of the user who just gave their password."""
    pending = signin_flow.in_progress()
    if pending is None:
        return json_error(TIMED_OUT, 409)
    challenge, options = passkeys.start_sign_in(rp(), user_id=pending.user.id, now=utcnow())
    db.session.commit()
    return options_response(challenge, options)


@bp.post("/sign-in/two-factor/passkey")
@limiter.limit(_signin_limit)
def passkey():
    """A passkey instead of a code after the password: the stage passes (and, if asked, this browser is trusted)."""
    pending = signin_flow.in_progress()
    if pending is None:
        return json_error(TIMED_OUT, 409)
    body = request.get_json(silent=True)
    body = body if isinstance(body, dict) else {}
    try:
        used = passkeys.finish_sign_in(
            rp(),
            parse_response(body.get("credential")),
            challenge=PASSKEY_CHALLENGE.take(),
            user_id=pending.user.id,
            now=utcnow(),
        )
    except PasskeyError as error:
        details = {"why": "passkey"}
        record_event("signin.failed", actor_id=pending.user.id, origin=request_origin(), now=utcnow(), details=details)
        db.session.commit()  # the spent challenge stays spent, with its event
        return json_error(str(error))
    raw = None
    if body.get("remember") is True:
        settings = mfa_settings(current_app.config)
        raw = services.trust_device(pending.user, settings=settings, origin=request_origin(), now=utcnow())
    db.session.commit()  # the counter, before the sign-in completes (that may end a replaced session)
    response = signin_flow.stage_passed(SecondFactorStage.name, passkeys.amr_for(used))
    answer = jsonify(redirect=response.headers["Location"])
    if raw is not None:
        device_cookie.set_device_cookie(answer, pending.user.id, raw)
    return answer
