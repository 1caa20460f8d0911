"""The three sites over real HTTP on loopback: what integration and browser tests sign in across."""

import re
import socket
import threading
from dataclasses import dataclass
from http.cookies import SimpleCookie
from urllib.parse import parse_qs, urlsplit

import requests
from flask import Flask
from werkzeug.serving import BaseWSGIServer, make_server

import tenants
from accounts.oidc.cli import tenant_registration
from accounts.oidc.clients import register_client
from tenants.extensions import db as tenants_db


class CookieWitness:
    """WSGI middleware noting which cookie names a site sets and which it receives."""

    def __init__(self, app: Flask):
        self.app = app
        self.received: set[str] = set()
        self.set: set[str] = set()

    def __call__(self, environ, start_response):
        cookies = SimpleCookie()
        cookies.load(environ.get("HTTP_COOKIE", ""))
        self.received.update(cookies.keys())

        def noting_start_response(status, headers, exc_info=None):
            self.set.update(value.split("=", 1)[0] for name, value in headers if name.lower() == "set-cookie")
            return start_response(status, headers, exc_info)

        return self.app(environ, noting_start_response)


@dataclass
class LiveServer:
    """A site answering real HTTP on host:port from a background thread."""

    app: Flask
    url: str
    server: BaseWSGIServer
    thread: threading.Thread
    cookies: CookieWitness

    def stop(self) -> None:
        """Stop serving (a second call does nothing)."""
        if self.thread.is_alive():
            self.server.shutdown()
            self.thread.join()
            self.server.server_close()


def free_port(host: str) -> int:
    """A port nobody listens on at host right now."""
    with socket.socket() as probe:
        probe.bind((host, 0))
        return probe.getsockname()[1]


def serve(app: Flask, host: str = "127.0.0.1", port: int = 0) -> LiveServer:
    """Serve app on host:port (a free port if 0) in a background thread."""
    witness = CookieWitness(app)
    server = make_server(host, port, witness, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name=f"live-{host}", daemon=True)
    thread.start()
    return LiveServer(app, f"http://{host}:{server.server_port}", server, thread, witness)


@dataclass
class Sites:
    """Accounts, Acme and Globex running together, each on its own origin."""

    accounts: LiveServer
    acme: LiveServer
    globex: LiveServer

    def stop(self) -> None:
        for site in (self.acme, self.globex, self.accounts):
            site.stop()


def start_sites(
    monkeypatch, accounts_app: Flask, hosts=("127.0.0.1", "127.0.0.1", "127.0.0.1"), ports: list[int] | None = None
) -> Sites:
    """Serve accounts_app and start both tenants; they are registered as first-party confidential clients.

    ports: the three ports, when a test must know them beforehand (say, to register Accounts elsewhere).
    """
    ports = ports or [free_port(host) for host in hosts]
    urls = [f"http://{host}:{port}" for host, port in zip(hosts, ports, strict=True)]
    accounts_app.config["SITE_URL"] = urls[0]  # the issuer is the URL the browser and tenants use
    with accounts_app.app_context():
        secrets = {slug: _register(slug, url) for slug, url in (("acme", urls[1]), ("globex", urls[2]))}
    live = [serve(accounts_app, hosts[0], ports[0])]
    for slug, host, port, url in (("acme", hosts[1], ports[1], urls[1]), ("globex", hosts[2], ports[2], urls[2])):
        prefix = slug.upper()
        monkeypatch.setenv(f"{prefix}_URL", url)
        monkeypatch.setenv(f"{prefix}_ISSUER", urls[0])
        monkeypatch.setenv(f"{prefix}_CLIENT_SECRET", secrets[slug])
        tenant_app = tenants.create_app(slug, {"TESTING": True})
        with tenant_app.app_context():
            tenants_db.create_all()
        live.append(serve(tenant_app, host, port))
    return Sites(*live)


def _register(slug: str, url: str) -> str:
    _, secret = register_client(tenant_registration(slug.title(), url), slug)
    return secret


CSRF_FIELD = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"')


def form_token(html: str) -> str:
    """The CSRF token of the (first) form on a page."""
    match = CSRF_FIELD.search(html)
    assert match, "no CSRF token on the page"
    return match.group(1)


def sign_in_at_tenant(browser: requests.Session, tenant_url: str, email: str, password: str, next: str = "/"):
    """Press "Sign in" at a tenant and, if Accounts asks, type email and password; returns the last response."""
    response = browser.get(f"{tenant_url}/auth/sign-in", params={"next": next})
    if "/sign-in" in urlsplit(response.url).path and "Sign in" in response.text and 'name="password"' in response.text:
        response = browser.post(
            response.url.split("?")[0],
            data={
                "csrf_token": form_token(response.text),
                "email": email,
                "password": password,
                "next": _next_of(response.url),
            },
        )
    return response


def _next_of(url: str) -> str:
    return parse_qs(urlsplit(url).query).get("next", [""])[0]


def sign_out_at_tenant(browser: requests.Session, tenant_url: str):
    """Press "Sign out" in a tenant's header."""
    home = browser.get(f"{tenant_url}/")
    return browser.post(f"{tenant_url}/auth/sign-out", data={"csrf_token": form_token(home.text)})
