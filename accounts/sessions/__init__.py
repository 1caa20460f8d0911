"""Server-side sessions at Accounts: who is signed in (authentication), the sign-in flow, "Your sessions"."""
