"""Sign-in with an upstream provider (OIDC federation): provider files, Authlib client, linking rules, pages."""

import os
from datetime import timedelta
from pathlib import Path

from flask import Flask

from .client import init_clients, upstreams
from .config import UPSTREAMS_DIR, load_upstreams
from .views import bp

DEFAULTS = {
    # How long an upstream sign-in waits for the existing account's password before it must start again.
    "FEDERATION_PROOF_LIFETIME": timedelta(minutes=10),
    # Linking without a password to re-enter needs a sign-in this recent (like "Confirm it's you").
    "FEDERATION_REAUTH_WINDOW": timedelta(minutes=10),
}


def init_app(app: Flask) -> None:
    """Load the provider files (FEDERATION_UPSTREAMS_DIR, else accounts/upstreams/) and add the pages."""
    for key, value in DEFAULTS.items():
        app.config.setdefault(key, value)
    folder = app.config.get("FEDERATION_UPSTREAMS_DIR") or os.environ.get("FEDERATION_UPSTREAMS_DIR") or UPSTREAMS_DIR
    init_clients(app, load_upstreams(Path(folder)))
    app.register_blueprint(bp)

    @app.context_processor
    def sign_in_providers():
        # The "Continue with …" buttons of the sign-in page (templates/accounts/federation/_buttons.html).
        return {"sign_in_providers": list(upstreams().values())}
