"""SPEC §2.6: memberships and roles reach tenants in the `orgs` claim, only with the orgs scope."""

import pytest

from accounts.extensions import db
from accounts.orgs import services as orgs
from accounts.orgs.models import Membership
from common.clock import utcnow


@pytest.fixture
def initech(accounts_app, signed_in):
    """Alice owns the org Initech (besides her personal space)."""
    with accounts_app.app_context():
        org = orgs.create_org(signed_in.id, "Initech", "initech", utcnow())
        db.session.commit()
        return {"id": str(org.id), "slug": "initech", "name": "Initech", "role": "owner", "personal": False}


@pytest.fixture
def tenant(register):
    return register("tenant", resource="https://tenant.example", scope="openid profile orgs")


def test_orgs_scope_puts_memberships_in_id_token_access_token_and_userinfo(flow, initech, tenant, client):
    tokens = flow.tokens(tenant, scope="openid orgs")

    id_claims = flow.verify(tokens["id_token"]).claims
    access_claims = flow.verify(tokens["access_token"]).claims
    userinfo = client.get("/oauth/userinfo", headers={"Authorization": f"Bearer {tokens['access_token']}"}).get_json()

    for claims in (id_claims, access_claims, userinfo):
        assert initech in claims["orgs"]
        assert [o for o in claims["orgs"] if o["personal"]] != [], "the personal space is an org too"


def test_without_the_orgs_scope_no_orgs_claim(flow, initech, tenant):
    tokens = flow.tokens(tenant, scope="openid profile")

    assert "orgs" not in flow.verify(tokens["id_token"]).claims
    assert "orgs" not in flow.verify(tokens["access_token"]).claims


def _userinfo_orgs(client, access_token: str) -> list[dict]:
    return client.get("/oauth/userinfo", headers={"Authorization": f"Bearer {access_token}"}).get_json()["orgs"]


def test_userinfo_states_the_memberships_of_now_not_of_the_token(
    accounts_app, flow, initech, tenant, client, signed_in
):
    access_token = flow.tokens(tenant, scope="openid orgs")["access_token"]
    with accounts_app.app_context():
        later = orgs.create_org(signed_in.id, "Aardvark", "aardvark", utcnow())
        db.session.commit()
        aardvark = str(later.id)

    names = [o["name"] for o in _userinfo_orgs(client, access_token)]
    # The personal space first, then by name.
    assert names[1:] == ["Aardvark", "Initech"] and len(names) == 3

    with accounts_app.app_context():
        db.session.execute(Membership.__table__.delete().where(Membership.user_id == signed_in.id))
        db.session.commit()
    # A removed member loses the claim at once: the same token's next userinfo no longer names the org.
    assert aardvark not in [o["id"] for o in _userinfo_orgs(client, access_token)]
    assert _userinfo_orgs(client, access_token) == []


def test_a_refreshed_access_token_states_the_memberships_of_the_refresh(
    accounts_app, flow, initech, register, signed_in
):
    rp = register("offline", resource="https://tenant.example", scope="openid orgs offline_access")
    first = flow.tokens(rp, scope="openid orgs offline_access")
    assert initech in flow.verify(first["access_token"]).claims["orgs"]
    with accounts_app.app_context():
        db.session.execute(Membership.__table__.delete().where(Membership.user_id == signed_in.id))
        db.session.commit()

    # The claim is read once per request (access token and ID token share it), never kept across requests.
    refreshed = flow.refresh(rp, first["refresh_token"]).get_json()
    assert flow.verify(refreshed["access_token"]).claims["orgs"] == []
