"""Every security-event type Accounts records, with the words the audit pages show for it.

record_event takes any dotted name, but each one used should be listed here; a test checks that
the flows of orgs, oidc and mfa only record listed types. Names are `<area>.<what happened>`.
"""

EVENT_TYPES: dict[str, str] = {
    # Signing in and out, passwords, addresses (identity, sessions).
    "signin.succeeded": "Signed in",
    "signin.failed": "Sign-in failed",
    "signin.link_requested": "Asked for a sign-in link by email",
    "signin.link_used": "Used an emailed sign-in link",
    "signout": "Signed out",
    "password.changed": "Changed password",
    "password.reset": "Reset password by email",
    "email.change_requested": "Asked to change email address",
    "email.change_cancelled": "Cancelled an email address change",
    "email.changed": "Changed email address",
    "session.revoked": "Ended a session",
    # Sign-in with an upstream provider (federation).
    "federation.signed_in": "Signed in with another provider",
    "federation.signin_failed": "Sign-in with another provider failed",
    "federation.account_created": "Created an account by signing in with another provider",
    "federation.linked": "Linked a sign-in provider",
    "federation.unlinked": "Unlinked a sign-in provider",
    # Second factor (mfa).
    "mfa.enabled": "Turned on two-factor authentication",
    "mfa.disabled": "Turned off two-factor authentication",
    "mfa.reset": "Two-factor authentication reset by an admin",
    "mfa.backup_code_used": "Signed in with a backup code",
    "mfa.backup_codes_regenerated": "Made new backup codes",
    "mfa.locked_out": "Locked out after wrong codes",
    "mfa.device_trusted": "Trusted a device for two-factor",
    "mfa.devices_forgotten": "Forgot trusted devices",
    "passkey.registered": "Added a passkey",
    "passkey.renamed": "Renamed a passkey",
    "passkey.removed": "Removed a passkey",
    # Organizations (orgs).
    "org.created": "Created an organization",
    "org.renamed": "Renamed an organization",
    "org.deleted": "Deleted an organization",
    "org.member_added": "Added a member directly (operator)",
    "org.role_changed": "Changed a member's role",
    "org.member_removed": "Removed a member",
    "org.member_left": "Left an organization",
    "org.ownership_transferred": "Transferred ownership",
    "org.invitation_sent": "Sent an invitation",
    "org.invitation_accepted": "Accepted an invitation",
    "org.invitation_declined": "Declined an invitation",
    "org.invitation_revoked": "Withdrew an invitation",
    # OpenID provider (oidc).
    "consent.granted": "Allowed an app access",
    "consent.withdrawn": "Withdrew an app's access",
    "client.registered": "Registered an OpenID client",
    "client.updated": "Updated an OpenID client",
    "client.deleted": "Deleted an OpenID client",
    "keys.rotated": "Rotated the token signing key",
    # Site administration and impersonation (admin).
    "admin.user_banned": "Banned a user",
    "admin.user_unbanned": "Lifted a ban",
    "admin.site_role_changed": "Changed a user's site role",
    "admin.sessions_revoked": "Signed a user out everywhere",
    "admin.mfa_reset": "Reset a user's two-factor authentication",
    "impersonation.started": "Started impersonating a user",
    "impersonation.stopped": "Stopped impersonating a user",
}


def describe(event_type: str) -> str:
    """The human words for an event type; an unlisted type shows as its raw name."""
    return EVENT_TYPES.get(event_type, event_type)
