"""The security event types Accounts emits and tenants accept: one list for both sides of RFC 8935 push."""

CAEP = "https://schemas.openid.net/secevent/caep/event-type/"
RISC = "https://schemas.openid.net/secevent/risc/event-type/"
# OpenID CAEP 1.0 §3.2: the user's claims changed; the event carries the new value (here the orgs claim).
CLAIMS_CHANGED = CAEP + "token-claims-change"
# CAEP §3.1: a session was revoked (by the user or an admin).
SESSION_REVOKED = CAEP + "session-revoked"
# CAEP §3.3: a password or second factor changed.
CREDENTIAL_CHANGED = CAEP + "credential-change"
# RISC 1.0 §2.3: the account was disabled (an admin banned it).
ACCOUNT_DISABLED = RISC + "account-disabled"
EVENT_TYPES = (CLAIMS_CHANGED, SESSION_REVOKED, CREDENTIAL_CHANGED, ACCOUNT_DISABLED)
