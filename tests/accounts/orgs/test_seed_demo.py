"""seed-demo builds Initech with an owner, an admin and a member, and can run again without changing anything."""

import json

from sqlalchemy import func, select

from accounts.extensions import db
from accounts.identity.services import find_user
from accounts.orgs.models import Membership, Organization


def test_seed_demo_creates_initech_idempotently(accounts_app, roles, tmp_path):
    runner = accounts_app.test_cli_runner()
    for _ in range(2):
        result = runner.invoke(args=["seed-demo", "--users-file", str(tmp_path / "demo-users.json")])
        assert result.exit_code == 0, result.output
        assert "carol@gatehouse.test     carol-demo-password" in result.output
        assert "Initech (initech): alice owner, bob admin, carol member" in result.output
    with accounts_app.app_context():
        (org_id,) = db.session.scalars(select(Organization.id).where(Organization.slug == "initech")).all()
        # One personal space per demo user, plus Initech's three members.
        assert db.session.scalar(select(func.count()).select_from(Organization)) == 5
        assert db.session.scalar(select(func.count()).select_from(Membership)) == 4 + 3
    assert roles(org_id) == {
        "alice@gatehouse.test": "owner",
        "bob@gatehouse.test": "admin",
        "carol@gatehouse.test": "member",
    }


def test_seed_demo_writes_the_demo_users_claims_for_the_tenants(accounts_app, tmp_path):
    path = tmp_path / "demo-users.json"
    result = accounts_app.test_cli_runner().invoke(args=["seed-demo", "--users-file", str(path)])
    assert result.exit_code == 0, result.output
    users = {u["email"]: u for u in json.loads(path.read_text())["users"]}
    with accounts_app.app_context():
        carol = find_user("carol@gatehouse.test")
        # What carol's tokens say: sub = her user id as a string, one orgs entry per membership.
        assert users["carol@gatehouse.test"]["sub"] == str(carol.id)
    assert [(o["slug"], o["role"], o["personal"]) for o in users["carol@gatehouse.test"]["orgs"]] == [
        (f"personal-{carol.id}", "owner", True),
        ("initech", "member", False),
    ]
