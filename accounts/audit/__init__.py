"""Security events: an append-only record of what happened to accounts (SPEC §2.8)."""
