"""Seed the production-like stack: load users (a quarter with TOTP), one org they share, the two tenants
and a public API client (for the load test's bearer calls and refreshes). Prints what it made as JSON.
Tooling, not a product path: it reuses the services the CLI commands use, in production mode."""

import argparse
import json
import os

import pyotp
from sqlalchemy import select

import accounts
from accounts.cli import create_user
from accounts.extensions import db
from accounts.identity.services import find_user
from accounts.mfa.factors import has_totp
from accounts.mfa.services import enable_with_secret
from accounts.mfa.settings import mfa_settings
from accounts.oidc.cli import DEMO_SCOPE, tenant_registration
from accounts.oidc.clients import Registration, find_client, new_secret, register_client, update_client
from accounts.orgs import services as orgs
from accounts.orgs.models import Organization
from accounts.orgs.rules import Role
from common.clock import utcnow

PASSWORD = "load-test-password-0000"  # noqa: S105 (a published load-test password, never a real account)
ORG_SLUG = "loadco"
API_CLIENT = "loadtest-api"
API_REDIRECT = "https://127.0.0.1:9299/callback"  # never visited: the load test reads the code off the redirect


def load_users(count: int) -> dict:
    app = accounts.create_app()
    made = []
    with app.app_context():
        keys = mfa_settings(app.config).keys
        for n in range(count):
            email = f"load-{n:03d}@gatehouse.test"
            user = find_user(email) or create_user(email, PASSWORD, f"Load User {n}")
            # Every fourth user signs in with a second factor; the secret is made here, used by the load test.
            secret = None
            if n % 4 == 3 and not has_totp(user.id):
                # Random per stack, so nothing outside it can use the secret.
                secret = pyotp.random_base32()
                enable_with_secret(user, secret, keys=keys, now=utcnow())
            made.append({"email": email, "sub": str(user.id), "totp_secret": secret})
        org = db.session.scalar(select(Organization).where(Organization.slug == ORG_SLUG))
        if org is None:
            org = orgs.create_org(int(made[0]["sub"]), "Loadco", ORG_SLUG, utcnow())
        for n, entry in enumerate(made[1:], start=1):
            orgs.set_membership(org.id, int(entry["sub"]), Role.ADMIN if n % 5 == 0 else Role.MEMBER)
        db.session.commit()
        clients = {slug: _tenant_client(slug) for slug in ("acme", "globex")}
        clients["api"] = _api_client()
        return {"password": PASSWORD, "org_id": str(org.id), "users": made, "clients": clients}


def _tenant_client(slug: str) -> dict:
    registration = tenant_registration(slug.capitalize(), os.environ[f"{slug.upper()}_URL"].rstrip("/"))
    client = find_client(slug)
    if client is None:
        client, secret = register_client(registration, slug)
    else:
        update_client(client, registration)
        secret = new_secret(client)
    return {"client_id": slug, "client_secret": secret}


def _api_client() -> dict:
    if find_client(API_CLIENT) is None:
        registration = Registration(
            name="Load test API client",
            redirect_uris=[API_REDIRECT],
            post_logout_redirect_uris=[],
            backchannel_logout_uri=None,
            scope=DEMO_SCOPE,
            public=True,
            first_party=True,
            resource=os.environ["ACME_URL"].rstrip("/"),
        )
        register_client(registration, API_CLIENT)
    return {"client_id": API_CLIENT, "redirect_uri": API_REDIRECT}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--users", type=int, default=60)
    args = parser.parse_args()
    print(json.dumps(load_users(args.users)))


if __name__ == "__main__":
    main()
