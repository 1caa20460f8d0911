"""The tenant's todo API (SPEC §3.3): bearer RFC 9068 access tokens, JSON, an OpenAPI document."""
