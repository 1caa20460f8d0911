"""Org-scoped todos (SPEC §3.2): models, the one scoping module, services, pages."""
