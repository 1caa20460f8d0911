"""What an admin may do while impersonating (SPEC §2.8), decided for every route in this one table.

Writes are refused unless listed in ALLOWED_WRITES, so a new route is safe before anyone thinks of it;
REFUSED names the pages (any method) that are never for an impersonator. A test walks app.url_map and
fails for any write route missing from both, so each one is a decision someone made.
"""

from flask import jsonify, request

from common.errors import render_error

from ..sessions import authentication

# Every method of these endpoints: the account's own credentials and the admin console.
REFUSED: dict[str, str] = {
    "identity.change_password": "change the password",
    "identity.change_email": "change the email address",
    "identity.cancel_email_change": "change the email address",
    "identity.resend_email_change": "change the email address",
    "identity.confirm_email_change": "change the email address",
    "identity.reset_request": "reset the password",
    "identity.reset_password": "reset the password",
    "mfa.start_enrolment": "change two-factor authentication",
    "mfa.enrol": "change two-factor authentication",
    "mfa.disable": "change two-factor authentication",
    "mfa.forget_device": "change two-factor authentication",
    "mfa.forget_all_devices": "change two-factor authentication",
    "mfa.fresh_codes": "see backup codes",
    "mfa.regenerate_codes": "see backup codes",
    "passkeys.registration_options": "change passkeys",
    "passkeys.register": "change passkeys",
    "passkeys.rename": "change passkeys",
    "passkeys.remove": "change passkeys",
    "federation.link": "change sign-in providers",
    "federation.unlink": "change sign-in providers",
    "federation.start": "sign in as someone else (stop first)",
    "federation.callback": "sign in as someone else (stop first)",
    "federation.prove": "sign in as someone else (stop first)",
    "federation.cancel_proof": "sign in as someone else (stop first)",
    "federation.mail_proof": "sign in as someone else (stop first)",
    "federation.confirm_by_mail": "sign in as someone else (stop first)",
    "orgs.delete": "delete an organization",
    "sessions.revoke": "sign the user's sessions out",
    "sessions.revoke_others": "sign the user's sessions out",
    "impersonation.start": "impersonate someone else (stop first)",
    "audit.site_log": "read the site-wide audit log",
}
# Whole blueprints that are refused, by name: the admin console and the site-wide audit log under it.
REFUSED_BLUEPRINTS: dict[str, str] = {"admin": "use the admin console"}
# Refused for writes only: the page itself may be read.
REFUSED_WRITES: dict[str, str] = {
    "orgs.list_orgs": "create an organization",  # its POST creates one
    "identity.sign_in": "sign in as someone else (stop first)",
    "passkeys.sign_in_options": "sign in as someone else (stop first)",
    "passkeys.sign_in": "sign in as someone else (stop first)",
    "magic_links.request_link": "sign in as someone else (stop first)",
    "magic_links.confirm": "sign in as someone else (stop first)",
    "identity.sign_up": "create an account",
    "identity.verify_email": "confirm an email address",
}
# Writes an impersonator may make as the user; each is audited with both identities (audit/origin.py).
ALLOWED_WRITES: dict[str, str] = {
    "impersonation.stop": "end the impersonation",
    "identity.sign_out": "sign out (ends the impersonation and the admin's parked sign-in)",
    "oidc.authorize": "approve an app, so signing in to a tenant works by SSO",
    "oidc.end_session": "sign out from an app",
    "oidc.disconnect": "withdraw an app's access",
    "orgs.rename": "manage the user's organizations",
    "orgs.invite": "manage the user's organizations",
    "orgs.revoke": "manage the user's organizations",
    "orgs.change_role": "manage the user's organizations",
    "orgs.remove": "manage the user's organizations",
    "orgs.transfer": "manage the user's organizations",
    "orgs.leave": "manage the user's organizations",
    "orgs.accept": "answer the user's invitations",
    "orgs.decline": "answer the user's invitations",
    "mfa.challenge": "(a sign-in stage: unreachable while signed in)",
    "mfa.cancel": "(a sign-in stage: unreachable while signed in)",
    "mfa.passkey_options": "(a sign-in stage: unreachable while signed in)",
    "mfa.passkey": "(a sign-in stage: unreachable while signed in)",
}
# Machine endpoints: called by apps with their own credentials, never with this browser session.
MACHINE_ENDPOINTS = frozenset({"oidc.token", "oidc.introspect", "oidc.revoke", "oidc.userinfo"})
NOT_BROWSER_PAGES = MACHINE_ENDPOINTS | {"static", None}
READS = frozenset({"GET", "HEAD", "OPTIONS"})


def refusal(endpoint: str | None, method: str) -> str | None:
    """What the impersonator would be doing on this route, if that is refused; None if allowed."""
    if endpoint in NOT_BROWSER_PAGES:
        return None
    if endpoint in REFUSED:
        return REFUSED[endpoint]
    blueprint = endpoint.rpartition(".")[0]
    if blueprint in REFUSED_BLUEPRINTS:
        return REFUSED_BLUEPRINTS[blueprint]
    if method in READS:
        return None
    if endpoint in REFUSED_WRITES:
        return REFUSED_WRITES[endpoint]
    if endpoint in ALLOWED_WRITES:
        return None
    return "make this change"  # not in the table: refused until someone decides


def impersonating() -> bool:
    """True while an admin acts as the signed-in user (pages hide what this table refuses)."""
    auth = authentication.current()
    return auth is not None and auth.impersonated


def guard():
    """before_request: refuse, with a clear page and nothing changed, what an impersonator may not do."""
    auth = authentication.current()
    if auth is None or not auth.impersonated:
        return None
    what = refusal(request.endpoint, request.method)
    if what is None:
        return None
    message = f"While impersonating a user you cannot {what}. Stop impersonating to act as yourself again."
    if request.is_json:  # static/passkeys.js posts JSON and shows the answer's "error"
        return jsonify(error=message), 403
    return render_error(403, message, "Not while impersonating")
