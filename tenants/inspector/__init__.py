"""The flow inspector: what this tenant knows about the current sign-in (SPEC §3.4)."""
