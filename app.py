"""Gatehouse wiring: builds the Accounts site and one site per tenant file, and runs them.

flask --app app <command>            Accounts CLI (users, seed-demo, db …)
flask --app 'app:tenant("acme")' …   a tenant site's CLI (db upgrade …)
python app.py                        development servers for all three sites
gunicorn 'app:create_app()'          Accounts; gunicorn 'app:tenant("acme")' a tenant
"""

import logging
import os
import socket
import threading
from urllib.parse import urlsplit

from flask import Flask
from werkzeug.serving import BaseWSGIServer, make_server, select_address_family

import accounts
import tenants
from common.request_log import configure_json_logging
from devtools import upstream as dev_upstream
from tenants.site.settings import available_tenants, load_settings


def create_app():
    """The Accounts site (also what `flask --app app` finds)."""
    configure_json_logging()
    return accounts.create_app()


def tenant(slug: str):
    """The tenant site described by tenants/<slug>.toml."""
    configure_json_logging()
    return tenants.create_app(slug)


def bind(app: Flask, url: str, variable: str) -> BaseWSGIServer:
    """Listen on url's port now, or stop the whole start-up naming the port and the variable that moves it."""
    parts = urlsplit(url)
    host = os.environ.get("BIND_HOST") or parts.hostname or "127.0.0.1"
    port = parts.port or 80
    listener = socket.socket(select_address_family(host, port), socket.SOCK_STREAM)
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        listener.bind((host, port))
    except OSError as error:
        listener.close()
        # Fail before printing "running": one site silently missing is worse than none starting.
        raise SystemExit(
            f"Cannot start {app.config['SITE_NAME']}: {host}:{port} is not available ({error.strerror}).\n"
            f"Stop whatever listens there, or move the site with {variable}, e.g. {variable}=http://{host}:{port + 100}"
        ) from error
    listener.listen()
    with listener:  # werkzeug serves a duplicate of this descriptor
        return make_server(host, port, app, threaded=True, fd=listener.fileno())


def main() -> None:
    """Start all three development servers and wait; exit non-zero if any port is taken."""
    # The sites log each request as JSON (route pattern only); werkzeug's own line would print ?code=… in full.
    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    # Before Accounts is built: a running dev provider enables accounts/upstreams/dev.toml by environment.
    upstream_line = dev_upstream.start(accounts.accounts_url())
    sites = [(create_app(), accounts.accounts_url(), "ACCOUNTS_URL")]
    sites += [
        (tenant(slug), load_settings(slug).url, f"{slug.upper().replace('-', '_')}_URL") for slug in available_tenants()
    ]
    servers = [bind(app, url, variable) for app, url, variable in sites]
    threads = [threading.Thread(target=server.serve_forever, daemon=True) for server in servers]
    for thread in threads:
        thread.start()
    print("\nGatehouse is running:")
    for app, url, _ in sites:
        print(f"  {app.config['SITE_NAME']:<20} {url}")
    print(f"  {'Start here':<20} {sites[0][1]}  (demo users, a tour, links to every site)")
    print(f"  {'Upstream provider':<20} {upstream_line}")
    print("Press Ctrl+C to stop.\n", flush=True)
    try:
        for thread in threads:
            thread.join()
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main()
