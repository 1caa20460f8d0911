"""Flow inspector page: decoded ID-token claims, token lifetimes, the last authorization request, the flow."""

from flask import Blueprint, abort, current_app, g, redirect, render_template, session, url_for

from common.clock import unix_seconds, utcnow

from ..signin.decorators import login_required
from ..signin.impersonation import stop_url, time_left_text
from ..signin.security_events import recent_events
from ..signin.stepup import STEP_UP_MAX_AGE, second_factor_fresh
from ..signin.tokens import get_token_set
from .claims import claim_rows
from .forms import RevealTokenForm
from .sequence import NARROW, WIDE, FlowValues, layout, numbered_steps
from .siblings import sibling_tenants
from .times import Moment, duration_text, moment_of
from .token_reveal import peek_claims, token_reveal_allowed

bp = Blueprint("inspector", __name__)


def redact(token: str | None) -> str | None:
    """Enough of a token to recognise it, never enough to use it."""
    return None if not token else f"{token[:8]}… ({len(token)} characters, redacted)"


def _flow_values(auth_request: dict) -> FlowValues:
    """The diagram's values: what the last authorization request sent, else what this tenant would send."""
    tenant = current_app.config["TENANT"]
    return FlowValues(
        tenant_name=tenant.name,
        tenant_url=tenant.url,
        issuer=tenant.issuer,
        client_id=auth_request.get("client_id", tenant.client_id),
        redirect_uri=auth_request.get("redirect_uri", tenant.url + url_for("signin.callback")),
        scope=auth_request.get("scope", "openid …"),
        code_challenge_method=auth_request.get("code_challenge_method", "S256"),
        audience=tenant.audience,
        sid=session.get("op_sid"),
    )


def _lifetimes(token_set, claims: dict, now: int) -> list[tuple[str, object, Moment | None]]:
    """(name, raw value, the same for people) for each token and lifetime; secrets redacted."""
    access_expires = unix_seconds(token_set.access_expires_at) if token_set else None
    rows = [
        ("access_token", redact(token_set.access_token) if token_set else None, None),
        ("access_token_expires_in_s", access_expires - now if token_set else None, access_expires),
        ("refresh_token", redact(token_set.refresh_token) if token_set else None, None),
        ("id_token_expires_in_s", claims["exp"] - now if "exp" in claims else None, claims.get("exp")),
        ("authenticated_s_ago", now - claims["auth_time"] if "auth_time" in claims else None, claims.get("auth_time")),
    ]
    return [(name, raw, moment_of(at, now) if at is not None else None) for name, raw, at in rows]


@bp.get("/inspector")
@login_required
def inspector():
    """Show the current session's OIDC state and the flow that made it; secrets are redacted."""
    tenant = current_app.config["TENANT"]
    token_set = get_token_set(session["token_set_id"], current_app.config["SITE"])
    now = utcnow()
    now_s = unix_seconds(now)
    claims = session.get("claims", {})
    fresh = second_factor_fresh(claims, now=now_s, max_age=STEP_UP_MAX_AGE)
    seconds_left = int(claims["auth_time"] + STEP_UP_MAX_AGE - now_s) if fresh else 0
    step_up = {
        "fresh": fresh,
        "seconds_left": seconds_left,
        "left_text": duration_text(seconds_left),
        "minutes": STEP_UP_MAX_AGE // 60,
    }
    auth_request = session.get("auth_request", {})
    values = _flow_values(auth_request)
    return render_template(
        "tenants/inspector/inspector.html",
        claims=claims,
        claim_rows=claim_rows(claims, now_s),
        step_up=step_up,
        lifetimes=_lifetimes(token_set, claims, now_s),
        auth_request=auth_request,
        sent_at=moment_of(auth_request.get("sent_at"), now_s),
        sid=session.get("op_sid"),
        diagrams={"wide": layout(values, WIDE), "narrow": layout(values, NARROW)},
        steps=numbered_steps(values),
        siblings=sibling_tenants(tenant),
        events=[
            e | {"moment": moment_of(unix_seconds(e["received_at"]), now_s)}
            for e in recent_events(current_app.config["SITE"], g.identity.sub)
        ],
        reveal_form=RevealTokenForm() if token_reveal_allowed(current_app.config["GATEHOUSE_ENV"]) else None,
        impersonation=g.identity.impersonation,
        impersonation_time_left=time_left_text(g.identity.impersonation, now) if g.identity.impersonation else None,
        stop_impersonation_url=stop_url(tenant.issuer),
        issuer=tenant.issuer,
        audience=tenant.audience,
    )


@bp.get("/inspector/access-token")
def access_token_link():
    """A GET here (a sign-in that came back to this URL, a bookmark) shows nothing: the inspector has the button."""
    return redirect(url_for("inspector.inspector", _anchor="api-token"))


@bp.post("/inspector/access-token")
@login_required
def access_token():
    """Development only: show the signed-in user their own access token, for the README's curl lines.

    Answered in the POST's response (not a redirect to a GET page): the token is never in a URL or
    a page the history could reload, and the response is no-store.
    """
    if not token_reveal_allowed(current_app.config["GATEHOUSE_ENV"]):
        abort(404)
    # load_identity refreshed the tokens before this view, so the access token has minutes to live.
    token_set = get_token_set(session["token_set_id"], current_app.config["SITE"])
    if token_set is None:
        abort(404)
    now = unix_seconds(utcnow())
    response = current_app.make_response(
        render_template(
            "tenants/inspector/access_token.html",
            token=token_set.access_token,
            token_claims=peek_claims(token_set.access_token),
            expires=moment_of(unix_seconds(token_set.access_expires_at), now),
            api_url=current_app.config["TENANT"].url + "/api/v1",
            audience=current_app.config["TENANT"].audience,
        )
    )
    response.headers["Cache-Control"] = "no-store"
    return response
