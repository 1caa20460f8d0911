"""The development upstream provider for `make run`: node-oidc-provider from devtools/upstream_provider/.

Started only when node and npm are installed (`npm ci` on first use); it then enables
accounts/upstreams/dev.toml through the environment (UPSTREAM_DEV_*) with a client registered at start
under a fresh secret. Without node, Accounts simply shows no "Continue with" button.
"""

import atexit
import json
import os
import secrets
import shutil
import socket
import subprocess
from pathlib import Path
from select import select as readable
from urllib.parse import urlsplit

PROVIDER_DIR = Path(__file__).resolve().parent / "upstream_provider"
START_TIMEOUT_SECONDS = 30
# The dev provider signs anyone in (devInteractions); "alice" carries Alice's demo address, so signing in
# there as alice shows the "Link your account" page (her Gatehouse password first, no silent merge).
DEMO_ACCOUNTS = {"alice": {"email": "alice@gatehouse.test", "email_verified": True, "name": "Alice (Dev Provider)"}}


def _port_free(host: str, port: int) -> bool:
    with socket.socket() as probe:
        try:
            probe.bind((host, port))
        except OSError:
            return False
    return True


def install() -> str | None:
    """npm ci once (make run and the tests alike); the reason the provider cannot run, or None."""
    missing = [tool for tool in ("node", "npm") if shutil.which(tool) is None]
    if missing:
        return f"{' and '.join(missing)} not installed"
    if (PROVIDER_DIR / "node_modules" / "oidc-provider").is_dir():
        return None
    print("Installing the development upstream provider (npm ci, first run only) …", flush=True)
    done = subprocess.run(  # noqa: S603
        ["npm", "ci", "--no-audit", "--no-fund"],  # noqa: S607
        cwd=PROVIDER_DIR,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    return None if done.returncode == 0 else f"npm ci failed: {done.stderr.strip()[-300:]}"


def accounts_as_client(accounts_url: str, slug: str, secret: str) -> dict:
    """Accounts registered at the provider as a relying party, its callback at <accounts_url>/sign-in/with/<slug>."""
    return {
        "client_id": "gatehouse-accounts",
        "client_secret": secret,
        "redirect_uris": [f"{accounts_url}/sign-in/with/{slug}/callback"],
        "grant_types": ["authorization_code"],
        "response_types": ["code"],
    }


def start(accounts_url: str) -> str:
    """Start the provider and enable its file for Accounts; returns the line `make run` prints about it."""
    url = os.environ.get("UPSTREAM_DEV_ISSUER", "http://localhost:5010").rstrip("/")
    why = install()
    parts = urlsplit(url)
    if why is None and not _port_free(parts.hostname or "127.0.0.1", parts.port or 80):
        why = f"{parts.hostname}:{parts.port} is taken (move it with UPSTREAM_DEV_ISSUER)"
    if why:
        return f"no upstream provider ({why}): the sign-in page shows no 'Continue with' button"
    secret = secrets.token_urlsafe(24)
    client = accounts_as_client(accounts_url, "dev", secret)
    env = {
        "PATH": os.environ["PATH"],
        "PORT": str(parts.port or 80),
        "ISSUER": url,
        "CLIENTS": json.dumps([client]),
        "ACCOUNTS": json.dumps(DEMO_ACCOUNTS),
        "PARENT_PID": str(os.getpid()),  # it exits when make run does, even on a kill
    }
    process = subprocess.Popen(  # noqa: S603
        ["node", "provider.mjs"],  # noqa: S607
        cwd=PROVIDER_DIR,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    ready, _, _ = readable([process.stdout], [], [], START_TIMEOUT_SECONDS)
    if not ready or process.stdout.readline().strip() != "ready":
        process.kill()
        return "no upstream provider (it did not start): the sign-in page shows no 'Continue with' button"
    atexit.register(process.terminate)
    os.environ.update(UPSTREAM_DEV_ENABLED="1", UPSTREAM_DEV_ISSUER=url, UPSTREAM_DEV_CLIENT_SECRET=secret)
    return f"{url}  (Dev Provider: any login and password; 'alice' is Alice's address)"
