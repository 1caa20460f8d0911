"""Every key this site keeps in its server-side session, declared once; other modules use a Slot, never a raw key."""

from dataclasses import dataclass

from flask import session


@dataclass(frozen=True)
class Slot:
    """One named place in the session; its owner module is the only one that reads or writes it."""

    key: str

    def get(self):
        return session.get(self.key)

    def put(self, value) -> None:
        session[self.key] = value

    def take(self):
        """Read and remove: a value meant for the next request only."""
        return session.pop(self.key, None)

    def clear(self) -> None:
        session.pop(self.key, None)


# Who is signed in, how, since when, and for whom (accounts/sessions/authentication.py).
AUTHENTICATION = Slot("auth")
# The admin's own sign-in, set aside while they impersonate someone (accounts/sessions/authentication.py).
PARKED_AUTHENTICATION = Slot("parked")
# A sign-in between its first factor and its last stage (accounts/sessions/signin_flow.py).
SIGN_IN_IN_PROGRESS = Slot("signin")
# The greeting of a sign-in just completed, for the Accounts page it lands on (accounts/sessions/signin_flow.py).
SIGN_IN_GREETING = Slot("greeting")
# What the app that sent the user to sign in demands of it (accounts/sessions/demands.py).
SIGN_IN_DEMAND = Slot("demand")
# Backup codes made on this request, sealed, for the one page that shows them (accounts/mfa/views.py).
FRESH_BACKUP_CODES = Slot("mfa_fresh_codes")
# The WebAuthn challenge this browser was last given, spent by its answer (accounts/passkeys/views.py).
PASSKEY_CHALLENGE = Slot("passkey_challenge")
# Why this browser went to an upstream provider: to sign in (and where next) or to link (accounts/federation/views.py).
FEDERATION_INTENT = Slot("federation_intent")
# An upstream identity naming an existing account, until its owner proves it (accounts/federation/views.py).
FEDERATION_PENDING_LINK = Slot("federation_pending_link")
