"""Server-side sessions at Accounts: storage, the signed-in user, "Your sessions"."""
