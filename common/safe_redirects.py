"""Redirect targets taken from user input, limited to this site."""

from urllib.parse import urlsplit


def safe_next(target: str | None, default: str = "/") -> str:
    """Return target if it is a same-origin path, else default (prevents open redirects)."""
    if not target or len(target) > 2000:
        return default
    # Browsers treat a backslash like a slash and drop tabs and newlines, so "/\\evil.example" or
    # "/\t/evil.example" would leave the site; no control character belongs in a path anyway.
    if "\\" in target or any(ord(c) < 32 or ord(c) == 127 for c in target):
        return default
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return default
    return target
