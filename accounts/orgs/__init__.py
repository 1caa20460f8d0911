"""Organizations at Accounts: members, roles, invitations, personal spaces, and the `orgs` claim."""

# Registers the hook that gives every new user a personal space, whichever module is imported first.
from . import personal  # noqa: F401
