"""A small HTTP/1.1 client for the bench: one connection per client, reused while the server keeps it open."""

import http.client
import re
from dataclasses import dataclass
from urllib.parse import urlencode, urlsplit

CSRF_RE = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"')
# A reused connection the server closed meanwhile fails like this: reconnect once and resend.
STALE = (http.client.RemoteDisconnected, BrokenPipeError, ConnectionResetError, http.client.CannotSendRequest)


@dataclass
class Response:
    status: int
    headers: dict[str, str]
    body: bytes

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", "replace")

    @property
    def location(self) -> str:
        return self.headers.get("location", "")


class Client:
    """One site's client with its own cookie jar (cookies are kept by name, as one host-only site sets them)."""

    def __init__(self, base_url: str, timeout: float = 30.0):
        parts = urlsplit(base_url)
        self.base_url = base_url.rstrip("/")
        self.host, self.port = parts.hostname, parts.port or 80
        self.timeout = timeout
        self.cookies: dict[str, str] = {}
        self.conn: http.client.HTTPConnection | None = None

    def close(self) -> None:
        if self.conn is not None:
            self.conn.close()
            self.conn = None

    def request(self, method: str, path: str, *, form: dict | None = None, headers: dict | None = None) -> Response:
        """Send one request; path may be a full URL of this site."""
        if path.startswith(self.base_url):
            path = path[len(self.base_url) :] or "/"
        sent = {"Host": f"{self.host}:{self.port}", **(headers or {})}
        body = None
        if form is not None:
            body = urlencode(form).encode()
            sent["Content-Type"] = "application/x-www-form-urlencoded"
        if self.cookies:
            sent["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        for attempt in (1, 2):
            fresh = self.conn is None
            if fresh:
                self.conn = http.client.HTTPConnection(self.host, self.port, timeout=self.timeout)
            try:
                self.conn.request(method, path, body=body, headers=sent)
                raw = self.conn.getresponse()
                data = raw.read()
                break
            except STALE:
                self.close()
                if fresh or attempt == 2:
                    raise
        response = Response(raw.status, {k.lower(): v for k, v in raw.getheaders()}, data)
        for name, value in raw.getheaders():
            if name.lower() == "set-cookie":
                self._keep(value)
        if raw.will_close:
            self.close()
        return response

    def get(self, path: str, **kwargs) -> Response:
        return self.request("GET", path, **kwargs)

    def post(self, path: str, form: dict, **kwargs) -> Response:
        return self.request("POST", path, form=form, **kwargs)

    def _keep(self, header: str) -> None:
        pair, *attributes = header.split(";")
        name, _, value = pair.strip().partition("=")
        expired = any(a.strip().lower().startswith("max-age=0") for a in attributes) or not value
        if expired:
            self.cookies.pop(name, None)
        else:
            self.cookies[name] = value


def csrf_of(response: Response) -> str:
    """The CSRF token of the first form on a page."""
    match = CSRF_RE.search(response.text)
    if not match:
        raise AssertionError(f"no CSRF token on the page (status {response.status})")
    return match.group(1)


def expect(response: Response, status: int, what: str) -> Response:
    """The response if its status is as expected, else an error naming the step."""
    if response.status != status:
        raise AssertionError(f"{what}: expected {status}, got {response.status}: {response.text[:300]!r}")
    return response
