"""The two WebAuthn ceremonies as plain functions over the `webauthn` library: options out, responses checked.

No Flask and no database here: callers pass the relying party, the challenge they stored, and the stored
credential; these functions only say what the browser must do and whether its answer holds.
"""

import json
from dataclasses import dataclass
from urllib.parse import urlsplit

from webauthn import (
    generate_authentication_options,
    generate_registration_options,
    options_to_json,
    verify_authentication_response,
    verify_registration_response,
)
from webauthn.helpers import base64url_to_bytes, bytes_to_base64url
from webauthn.helpers.exceptions import WebAuthnException
from webauthn.helpers.structs import (
    AuthenticatorSelectionCriteria,
    AuthenticatorTransport,
    CredentialDeviceType,
    PublicKeyCredentialDescriptor,
    ResidentKeyRequirement,
    UserVerificationRequirement,
)

CEREMONY_TIMEOUT_MS = 120_000
KNOWN_TRANSPORTS = {t.value for t in AuthenticatorTransport}


class PasskeyError(ValueError):
    """A WebAuthn response that does not hold; the message is safe to show."""


@dataclass(frozen=True)
class RelyingParty:
    """Who the passkeys are for: the RP ID (a domain), a display name, and the one origin allowed."""

    id: str
    name: str
    origin: str


def relying_party(site_url: str, name: str) -> RelyingParty:
    """The relying party of a site URL: RP ID its host, origin exactly its scheme://host[:port].

    WebAuthn §5.1.3: the RP ID is a domain (no port, no scheme); the origin is checked to the port.
    """
    parts = urlsplit(site_url)
    if parts.scheme not in {"http", "https"} or not parts.hostname:
        raise ValueError(f"not a site URL: {site_url!r}")
    return RelyingParty(id=parts.hostname, name=name, origin=f"{parts.scheme}://{parts.netloc}")


@dataclass(frozen=True)
class NewPasskey:
    """A verified registration, ready to store."""

    credential_id: bytes
    public_key: bytes
    sign_count: int
    transports: list[str]
    backup_eligible: bool
    backed_up: bool


@dataclass(frozen=True)
class Assertion:
    """A verified sign-in with a stored passkey: the counter and backup state to store now."""

    new_sign_count: int
    backup_eligible: bool
    backed_up: bool


def registration_options(
    rp: RelyingParty, *, challenge: bytes, user_handle: bytes, user_name: str, display_name: str, exclude: list[bytes]
) -> str:
    """The JSON for navigator.credentials.create(): a discoverable credential, user verification required."""
    options = generate_registration_options(
        rp_id=rp.id,
        rp_name=rp.name,
        user_id=user_handle,
        user_name=user_name,
        user_display_name=display_name,
        challenge=challenge,
        timeout=CEREMONY_TIMEOUT_MS,
        # A passkey signs in alone, so it must be discoverable and must verify the user (PIN, biometrics).
        authenticator_selection=AuthenticatorSelectionCriteria(
            resident_key=ResidentKeyRequirement.REQUIRED,
            user_verification=UserVerificationRequirement.REQUIRED,
        ),
        # The same authenticator twice would only be a confusing duplicate.
        exclude_credentials=[PublicKeyCredentialDescriptor(id=cid) for cid in exclude],
    )
    return options_to_json(options)


def authentication_options(rp: RelyingParty, *, challenge: bytes, allow: list[bytes] | None = None) -> str:
    """The JSON for navigator.credentials.get(); no allow list means "any passkey of this site" (discoverable)."""
    options = generate_authentication_options(
        rp_id=rp.id,
        challenge=challenge,
        timeout=CEREMONY_TIMEOUT_MS,
        allow_credentials=[PublicKeyCredentialDescriptor(id=cid) for cid in allow or []],
        user_verification=UserVerificationRequirement.REQUIRED,
    )
    return options_to_json(options)


def verify_registration(rp: RelyingParty, response: dict, *, challenge: bytes) -> NewPasskey:
    """Check the browser's answer to create(): our challenge, our origin and RP ID, the user verified."""
    try:
        verified = verify_registration_response(
            credential=response,
            expected_challenge=challenge,
            expected_rp_id=rp.id,
            expected_origin=rp.origin,
            require_user_verification=True,
        )
    except (WebAuthnException, KeyError, TypeError, ValueError) as error:
        raise PasskeyError(f"The passkey could not be registered: {error}") from error
    transports = response.get("response", {}).get("transports") or []
    return NewPasskey(
        credential_id=verified.credential_id,
        public_key=verified.credential_public_key,
        sign_count=verified.sign_count,
        transports=[t for t in transports if t in KNOWN_TRANSPORTS] if isinstance(transports, list) else [],
        backup_eligible=verified.credential_device_type == CredentialDeviceType.MULTI_DEVICE,
        backed_up=verified.credential_backed_up,
    )


def verify_authentication(
    rp: RelyingParty, response: dict, *, challenge: bytes, public_key: bytes, sign_count: int
) -> Assertion:
    """Check the browser's answer to get() against the stored credential; a counter that went back is refused."""
    try:
        verified = verify_authentication_response(
            credential=response,
            expected_challenge=challenge,
            expected_rp_id=rp.id,
            expected_origin=rp.origin,
            credential_public_key=public_key,
            credential_current_sign_count=sign_count,
            require_user_verification=True,
        )
    except (WebAuthnException, KeyError, TypeError, ValueError) as error:
        raise PasskeyError(f"The passkey was not accepted: {error}") from error
    return Assertion(
        new_sign_count=verified.new_sign_count,
        backup_eligible=verified.credential_device_type == CredentialDeviceType.MULTI_DEVICE,
        backed_up=verified.credential_backed_up,
    )


def parse_response(body: str | bytes | dict | None) -> dict:
    """The PublicKeyCredential JSON a browser posted (text or already decoded), as a dict, or PasskeyError."""
    try:
        response = body if isinstance(body, dict) else json.loads(body or "")
    except (ValueError, UnicodeDecodeError, TypeError) as error:
        raise PasskeyError("The passkey response is not JSON.") from error
    if not isinstance(response, dict) or not isinstance(response.get("response"), dict):
        raise PasskeyError("The passkey response is not a credential.")
    return response


def credential_id_of(response: dict) -> bytes:
    """The credential id the browser says it used (rawId), to find the stored passkey."""
    try:
        return base64url_to_bytes(str(response.get("rawId") or response.get("id") or ""))
    except (ValueError, TypeError) as error:
        raise PasskeyError("The passkey response names no credential.") from error


def user_handle_of(response: dict) -> bytes | None:
    """The userHandle of a discoverable sign-in (the user.id given at registration), if any."""
    handle = response["response"].get("userHandle")
    if not handle:
        return None
    try:
        return base64url_to_bytes(str(handle))
    except (ValueError, TypeError) as error:
        raise PasskeyError("The passkey response has a broken user handle.") from error


def encode(raw: bytes) -> str:
    """base64url without padding, as WebAuthn JSON writes binary values."""
    return bytes_to_base64url(raw)
