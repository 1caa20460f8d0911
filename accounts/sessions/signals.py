"""Signals other contexts subscribe to (the OIDC back-channel sender listens to session_ended)."""

from blinker import Namespace

_signals = Namespace()

# Sent with sid=<public id>, user_id=<int>, reason=<str> whenever a signed-in session ends.
session_ended = _signals.signal("session-ended")
