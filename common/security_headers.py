"""Security headers every response of every site carries."""

from collections.abc import Callable

from flask import Flask, Response

# No inline script anywhere, so script-src 'self' shuts out injected script (XSS).
CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "object-src 'none'",
        "base-uri 'none'",
        # Clickjacking: no site may frame ours.
        "frame-ancestors 'none'",
    ]
)


SECURITY_HEADERS = (
    ("Content-Security-Policy", CONTENT_SECURITY_POLICY),
    ("X-Frame-Options", "DENY"),
    ("X-Content-Type-Options", "nosniff"),
    # Full URLs (with codes or tokens in the query) never leave the origin in Referer.
    ("Referrer-Policy", "strict-origin-when-cross-origin"),
    ("Cross-Origin-Opener-Policy", "same-origin"),
)
_LOWER = {key: key.lower() for key, _ in SECURITY_HEADERS}


def add_security_headers(response: Response) -> Response:
    """Set CSP, anti-framing, no-sniff and referrer headers, keeping any a view set itself."""
    # One pass over the response's headers instead of one per header (setdefault scans them each time).
    present = {key.lower() for key, _ in response.headers}
    response.headers.extend([(key, value) for key, value in SECURITY_HEADERS if _LOWER[key] not in present])
    return response


def init_security_headers(app: Flask, signed_in: Callable[[], bool]) -> None:
    """Register the header hooks: no-store while the site's session owner says someone is signed in, HSTS."""
    app.after_request(add_security_headers)

    @app.after_request
    def private_pages(response: Response) -> Response:
        # A signed-in page is the user's alone: no shared cache or back-button history may keep a copy.
        if response.mimetype == "text/html" and signed_in():
            response.headers.setdefault("Cache-Control", "no-store")
        return response

    if app.config["SESSION_COOKIE_SECURE"]:

        @app.after_request
        def strict_transport(response: Response) -> Response:
            response.headers.setdefault("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
            return response
