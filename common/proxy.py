"""Running behind a reverse proxy: trust its X-Forwarded-* headers only when told how many hops there are."""

import os

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix


def init_proxy_fix(app: Flask) -> None:
    """Honour X-Forwarded-For/Proto/Host from TRUSTED_PROXY_HOPS proxies (0, the default: none).

    Trusting them without a proxy would let any client forge its IP (defeating rate limits)
    or its scheme; not trusting them behind TLS makes every URL http:// and the OIDC issuer wrong.
    """
    hops = int(app.config.get("TRUSTED_PROXY_HOPS", os.environ.get("TRUSTED_PROXY_HOPS", "0")))
    if hops > 0:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)
