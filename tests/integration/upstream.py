"""The independent upstream OpenID provider (panva's node-oidc-provider in devtools/upstream_provider/), for tests.

Installed once from its lockfile (`npm ci`), started per fixture on a free port with the clients (and, for
federation, the accounts) a test needs; its own login and consent pages are answered like a user would.
"""

import json
import os
import re
import subprocess
from pathlib import Path
from select import select as readable
from urllib.parse import urljoin

import pytest
import requests

from devtools.upstream import install

PROVIDER_DIR = Path(__file__).resolve().parents[2] / "devtools" / "upstream_provider"
START_TIMEOUT_SECONDS = 30
FORM_ACTION = re.compile(r'<form[^>]*action="([^"]+)"')


def installed() -> None:
    """node-oidc-provider from the lockfile, installed once; skipped, saying why, without node, npm or registry.

    The suite must run on a machine with no services (`make test`); set GATEHOUSE_REQUIRE_NODE=1 to make a
    missing toolchain a failure instead.
    """
    why = install()
    if why is not None:
        _unavailable(why)


def _unavailable(why: str) -> None:
    if os.environ.get("GATEHOUSE_REQUIRE_NODE") == "1":
        pytest.fail(why)
    pytest.skip(f"the independent provider cannot run here: {why}")


def start_provider(port: int, clients: list[dict], log, **env) -> subprocess.Popen:
    """node provider.mjs, its stderr to the open file log; returns once it says it is ready."""
    settings = {"PORT": str(port), "ISSUER": f"http://127.0.0.1:{port}", "CLIENTS": json.dumps(clients)}
    process = subprocess.Popen(  # noqa: S603
        ["node", "provider.mjs"],  # noqa: S607
        cwd=PROVIDER_DIR,
        env={"PATH": os.environ["PATH"], "NODE_ENV": "test", **settings, **env},
        stdout=subprocess.PIPE,
        stderr=log,
        text=True,
    )
    ready, _, _ = readable([process.stdout], [], [], START_TIMEOUT_SECONDS)
    if not ready or process.stdout.readline().strip() != "ready":
        process.kill()
        process.wait()
        log.seek(0)
        raise AssertionError(f"node-oidc-provider did not start:\n{log.read()[-2000:]}")
    return process


def at_provider(response, issuer: str) -> bool:
    return response.url.startswith(f"{issuer}/interaction/")


def through_provider(browser: requests.Session, response, issuer: str, login: str = "robin"):
    """Answer the provider's own pages (login, then consent) until it sends the browser back."""
    for _ in range(4):
        if not at_provider(response, issuer):
            return response
        action = FORM_ACTION.search(response.text).group(1)
        prompt = "login" if 'name="login"' in response.text else "consent"
        data = {"prompt": prompt, "login": login, "password": "any"} if prompt == "login" else {"prompt": prompt}
        response = browser.post(urljoin(response.url, action), data=data)
    raise AssertionError(f"stuck at the provider: {response.url}")


def write_provider_file(folder: str, slug: str, issuer: str, secret: str) -> None:
    """The provider file (accounts/upstreams/ format) Accounts reads for that client: email_verified trusted."""
    with open(f"{folder}/{slug}.toml", "w") as file:
        file.write(
            f'name = "Node Provider"\nissuer = "{issuer}"\nclient_id = "gatehouse-accounts"\n'
            f'client_secret = "{secret}"\nscopes = ["openid", "profile", "email"]\ntrust_email_verified = true\n'
        )
