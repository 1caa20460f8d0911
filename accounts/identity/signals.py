"""Signals other contexts subscribe to (mfa forgets trusted devices when a password changes)."""

from blinker import Namespace

_signals = Namespace()

# Sent with user_id=<int> inside the transaction that sets a new password (change or reset).
password_changed = _signals.signal("password-changed")
