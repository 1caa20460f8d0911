"""What a tenant site is: its settings file, branding and session storage."""
