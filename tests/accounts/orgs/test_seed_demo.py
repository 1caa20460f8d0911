"""seed-demo builds Initech with an owner, an admin and a member, and can run again without changing anything."""

from sqlalchemy import func, select

from accounts.extensions import db
from accounts.orgs.models import Membership, Organization


def test_seed_demo_creates_initech_idempotently(accounts_app, roles):
    runner = accounts_app.test_cli_runner()
    for _ in range(2):
        result = runner.invoke(args=["seed-demo"])
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
