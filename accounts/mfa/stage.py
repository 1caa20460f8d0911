"""The second factor as a stage of sign-in (accounts/sessions/signin_flow.py): who owes it, and where to give it."""

from flask import url_for

from ..identity.models import User
from ..sessions.demands import SignInDemand
from . import factors
from .device_cookie import is_trusted_here


class SecondFactorStage:
    """After the password, a user with a second factor gives it (code or passkey) unless this browser is trusted."""

    name = "second-factor"
    endpoints = frozenset({"mfa.challenge", "mfa.cancel", "mfa.passkey_options", "mfa.passkey"})
    second_factor = True
    reminder = "Finish signing in first: give your second step (a code from your app, or a passkey)."

    def applies(self, user: User, demand: SignInDemand | None) -> bool:
        # An app that asked for the second-factor acr (oidc/assurance.py) gets the code even from a trusted device.
        if not factors.has_second_factor(user.id):
            return False
        return not is_trusted_here(user.id) or (demand is not None and demand.second_factor)

    def entry(self) -> str:
        return url_for("mfa.challenge")
