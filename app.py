"""Gatehouse wiring: builds the Accounts site and one site per tenant file, and runs them.

flask --app app <command>            Accounts CLI (users, seed-demo, db …)
flask --app 'app:tenant("acme")' …   a tenant site's CLI (db upgrade …)
python app.py                        development servers for all three sites
gunicorn 'app:create_app()'          Accounts; gunicorn 'app:tenant("acme")' a tenant
"""

import logging
import os
import threading
from urllib.parse import urlsplit

import accounts
import tenants
from common.request_log import configure_json_logging
from tenants.site.settings import available_tenants, load_settings


def create_app():
    """The Accounts site (also what `flask --app app` finds)."""
    configure_json_logging()
    return accounts.create_app()


def tenant(slug: str):
    """The tenant site described by tenants/<slug>.toml."""
    configure_json_logging()
    return tenants.create_app(slug)


def _serve(app, url: str) -> threading.Thread:
    parts = urlsplit(url)
    host = os.environ.get("BIND_HOST") or parts.hostname or "127.0.0.1"
    thread = threading.Thread(
        target=app.run,
        kwargs={"host": host, "port": parts.port or 80, "threaded": True, "use_reloader": False},
        daemon=True,
    )
    thread.start()
    return thread


def main() -> None:
    """Start all three development servers and wait."""
    # The sites log each request as JSON (route pattern only); werkzeug's own line would print ?code=… in full.
    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    sites = [(create_app(), accounts.accounts_url())]
    sites += [(tenant(slug), load_settings(slug).url) for slug in available_tenants()]
    threads = [_serve(app, url) for app, url in sites]
    print("\nGatehouse is running:")
    for app, url in sites:
        print(f"  {app.config['SITE_NAME']:<20} {url}")
    print("Press Ctrl+C to stop.\n", flush=True)
    try:
        for thread in threads:
            thread.join()
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main()
