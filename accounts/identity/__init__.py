"""Identity: sign-up, email verification, sign-in, password reset and change."""
