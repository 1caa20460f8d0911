"""Sign-in at a tenant: Authlib OIDC client, local sessions, token refresh, back-channel logout."""
