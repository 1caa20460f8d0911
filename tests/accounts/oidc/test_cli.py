"""`flask clients create|list|delete`, `flask keys rotate` and the demo clients of `flask seed-demo`."""

import json
import stat

import pytest
from sqlalchemy import select

from accounts.extensions import db
from accounts.oidc.credentials import credential_matches
from accounts.oidc.models import Client


def _run(accounts_app, *args):
    return accounts_app.test_cli_runner().invoke(args=list(args))


def _client(accounts_app, client_id: str) -> Client:
    with accounts_app.app_context():
        row = db.session.scalar(select(Client).where(Client.client_id == client_id))
        db.session.expunge(row)
        return row


def test_create_confidential_client_prints_its_secret_once(accounts_app):
    result = _run(
        accounts_app,
        "clients",
        "create",
        "--name",
        "Partner",
        "--redirect-uri",
        "https://partner.example/cb",
        "--redirect-uri",
        "https://partner.example/cb2",
        "--post-logout-redirect-uri",
        "https://partner.example/bye",
        "--backchannel-logout-uri",
        "https://partner.example/logout",
        "--scope",
        "openid email",
    )
    assert result.exit_code == 0, result.output
    created = json.loads(result.output)
    assert created["client_secret"]
    assert created["redirect_uris"] == ["https://partner.example/cb", "https://partner.example/cb2"]
    assert created["first_party"] is False
    row = _client(accounts_app, created["client_id"])
    # Stored as a hash only.
    assert created["client_secret"] not in row.client_secret_hash
    assert credential_matches(created["client_secret"], row.client_secret_hash)
    listed = json.loads(_run(accounts_app, "clients", "list").output)
    assert [c["client_id"] for c in listed] == [created["client_id"]]
    assert "client_secret" not in listed[0]


def test_create_public_first_party_client(accounts_app):
    result = _run(
        accounts_app,
        "clients",
        "create",
        "--name",
        "App",
        "--redirect-uri",
        "http://127.0.0.1:8000/cb",
        "--public",
        "--first-party",
        "--client-id",
        "my-app",
    )
    assert result.exit_code == 0, result.output
    created = json.loads(result.output)
    assert created["client_id"] == "my-app"
    assert created["client_secret"] is None
    assert created["public"] is True
    assert created["first_party"] is True


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--redirect-uri", "http://partner.example/cb"], "https"),
        (["--redirect-uri", "https://partner.example/cb#frag"], "fragment"),
        (["--redirect-uri", "partner.example/cb"], "absolute"),
        (["--redirect-uri", "https://partner.example/cb", "--scope", "email"], "openid"),
        (["--redirect-uri", "https://partner.example/cb", "--scope", "openid admin"], "Unknown scope"),
        (["--redirect-uri", "https://p.example/cb", "--backchannel-logout-uri", "ftp://p.example"], "back-channel"),
    ],
)
def test_create_refuses_bad_registrations(accounts_app, args, message):
    result = _run(accounts_app, "clients", "create", "--name", "Bad", *args)
    assert result.exit_code != 0
    assert message in result.output


def test_duplicate_client_id_is_refused(accounts_app):
    args = ["clients", "create", "--name", "A", "--redirect-uri", "https://a.example/cb", "--client-id", "alpha"]
    assert _run(accounts_app, *args).exit_code == 0
    again = _run(accounts_app, *args)
    assert again.exit_code != 0
    assert "already exists" in again.output


def test_delete_client_removes_its_grants(accounts_app, flow, signed_in, confidential_client):
    tokens = flow.tokens(confidential_client)
    result = _run(accounts_app, "clients", "delete", "tenant")
    assert result.exit_code == 0, result.output
    assert (
        flow.client.get("/oauth/userinfo", headers={"Authorization": f"Bearer {tokens['access_token']}"}).status_code
        == 401
    )
    assert json.loads(_run(accounts_app, "clients", "list").output) == []
    assert _run(accounts_app, "clients", "delete", "tenant").exit_code != 0


def test_keys_rotate_prints_the_new_and_retired_kids(accounts_app, client):
    first = client.get("/oauth/jwks").get_json()["keys"][0]["kid"]
    result = json.loads(_run(accounts_app, "keys", "rotate").output)
    assert result["retired_kids"] == [first]
    assert result["signing_kid"] != first


def test_seed_demo_registers_the_tenants_as_confidential_first_party_clients(accounts_app, tmp_path, monkeypatch):
    monkeypatch.setattr(accounts_app, "instance_path", str(tmp_path))
    monkeypatch.setenv("GLOBEX_URL", "http://127.0.0.3:5002/")
    result = _run(accounts_app, "seed-demo")
    assert result.exit_code == 0, result.output
    acme, globex = _client(accounts_app, "acme"), _client(accounts_app, "globex")
    assert acme.redirect_uris == ["http://localhost:5001/auth/callback"]
    assert acme.post_logout_redirect_uris == ["http://localhost:5001/signed-out"]
    assert acme.backchannel_logout_uri == "http://localhost:5001/auth/backchannel-logout"
    assert acme.resource == "http://localhost:5001"
    assert acme.scope == "openid profile email offline_access todos:read todos:write orgs"
    assert globex.redirect_uris == ["http://127.0.0.3:5002/auth/callback"]
    for row in (acme, globex):
        assert row.first_party and not row.is_public
        secret_file = tmp_path / f"{row.client_id}.client_secret"
        assert stat.S_IMODE(secret_file.stat().st_mode) == 0o600
        assert credential_matches(secret_file.read_text().strip(), row.client_secret_hash)

    # Idempotent: a second run keeps the secret that the tenant already reads.
    secret = (tmp_path / "acme.client_secret").read_text()
    assert _run(accounts_app, "seed-demo").exit_code == 0
    assert (tmp_path / "acme.client_secret").read_text() == secret
    assert credential_matches(secret.strip(), _client(accounts_app, "acme").client_secret_hash)
