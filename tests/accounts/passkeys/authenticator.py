"""A software authenticator for tests: 'none' attestation and ES256 assertions, built with `cryptography`.

It answers WebAuthn options the way a browser would post them (PublicKeyCredential JSON), and can be
told to lie (another origin, another RP ID, a counter that goes back) so tests see each check refuse.
"""

import hashlib
import json
import secrets
import struct
from dataclasses import dataclass, field

import cbor2
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from webauthn.helpers import base64url_to_bytes, bytes_to_base64url

UP, UV, BE, BS, AT = 0x01, 0x04, 0x08, 0x10, 0x40


@dataclass
class SoftwareAuthenticator:
    """One platform authenticator holding discoverable ES256 credentials, by default not synced (hwk)."""

    origin: str
    rp_id: str
    backup_eligible: bool = False
    user_verified: bool = True
    credentials: dict[bytes, tuple] = field(default_factory=dict)  # id -> (key, user handle, counter)

    def _auth_data(self, rp_id: str, flags: int, counter: int, attested: bytes = b"") -> bytes:
        flags |= UP | (UV if self.user_verified else 0) | ((BE | BS) if self.backup_eligible else 0)
        return hashlib.sha256(rp_id.encode()).digest() + bytes([flags]) + struct.pack(">I", counter) + attested

    @staticmethod
    def _client_data(kind: str, challenge: str, origin: str) -> bytes:
        return json.dumps({"type": kind, "challenge": challenge, "origin": origin, "crossOrigin": False}).encode()

    def create(
        self,
        options: str | dict,
        *,
        origin: str | None = None,
        rp_id: str | None = None,
        credential_id: bytes | None = None,
    ) -> dict:
        """Answer navigator.credentials.create() options with a new credential and 'none' attestation."""
        options = json.loads(options) if isinstance(options, str) else options
        key = ec.generate_private_key(ec.SECP256R1())
        numbers = key.public_key().public_numbers()
        cose = cbor2.dumps({1: 2, 3: -7, -1: 1, -2: numbers.x.to_bytes(32, "big"), -3: numbers.y.to_bytes(32, "big")})
        credential_id = credential_id or secrets.token_bytes(16)
        attested = bytes(16) + struct.pack(">H", len(credential_id)) + credential_id + cose
        auth_data = self._auth_data(rp_id or self.rp_id, AT, 0, attested)
        user_handle = base64url_to_bytes(options["user"]["id"])
        self.credentials[credential_id] = [key, user_handle, 0]
        client_data = self._client_data("webauthn.create", options["challenge"], origin or self.origin)
        attestation = cbor2.dumps({"fmt": "none", "attStmt": {}, "authData": auth_data})
        return {
            "id": bytes_to_base64url(credential_id),
            "rawId": bytes_to_base64url(credential_id),
            "type": "public-key",
            "response": {
                "clientDataJSON": bytes_to_base64url(client_data),
                "attestationObject": bytes_to_base64url(attestation),
                "transports": ["internal"],
            },
            "clientExtensionResults": {},
        }

    def get(
        self,
        options: str | dict,
        *,
        credential_id: bytes | None = None,
        origin: str | None = None,
        rp_id: str | None = None,
        counter: int | None = None,
    ) -> dict:
        """Answer navigator.credentials.get() options with an ES256 assertion (the only or the named credential)."""
        options = json.loads(options) if isinstance(options, str) else options
        credential_id = credential_id or next(iter(self.credentials))
        key, user_handle, last = self.credentials[credential_id]
        count = last + 1 if counter is None else counter
        self.credentials[credential_id][2] = count
        auth_data = self._auth_data(rp_id or self.rp_id, 0, count)
        client_data = self._client_data("webauthn.get", options["challenge"], origin or self.origin)
        signature = key.sign(auth_data + hashlib.sha256(client_data).digest(), ec.ECDSA(hashes.SHA256()))
        return {
            "id": bytes_to_base64url(credential_id),
            "rawId": bytes_to_base64url(credential_id),
            "type": "public-key",
            "response": {
                "clientDataJSON": bytes_to_base64url(client_data),
                "authenticatorData": bytes_to_base64url(auth_data),
                "signature": bytes_to_base64url(signature),
                "userHandle": bytes_to_base64url(user_handle),
            },
            "clientExtensionResults": {},
        }
