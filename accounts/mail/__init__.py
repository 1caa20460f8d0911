"""Outgoing mail: SMTP when configured, otherwise a development outbox page."""
