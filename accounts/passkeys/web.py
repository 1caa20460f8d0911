"""What every passkey endpoint shares with the browser: this site as the relying party, options out, errors as JSON."""

from flask import current_app, jsonify

from ..sessions.slots import PASSKEY_CHALLENGE
from .ceremonies import RelyingParty, relying_party


def rp() -> RelyingParty:
    """This site as a WebAuthn relying party: RP ID the Accounts host, origin exactly its URL's."""
    return relying_party(current_app.config["SITE_URL"], current_app.config["SITE_NAME"])


def options_response(challenge: str, options: str):
    """Hand WebAuthn options to the browser, keeping their challenge in its session for the answer."""
    PASSKEY_CHALLENGE.put(challenge)
    return current_app.response_class(options, mimetype="application/json")


def json_error(message: str, status: int = 400):
    """A refusal static/passkeys.js shows as it is."""
    return jsonify(error=message), status
