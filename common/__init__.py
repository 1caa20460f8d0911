"""Helpers that neither Accounts nor the tenant sites own."""
