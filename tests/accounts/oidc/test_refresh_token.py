"""RFC 6749 §6 refresh with rotation on every use and family revocation on reuse (RFC 9700 §4.14.2)."""

import time

import time_machine
from sqlalchemy import select

from accounts.extensions import db
from accounts.oidc.client_rows import already_read, registered_client
from accounts.oidc.models import Client


def _userinfo_status(client, access_token: str) -> int:
    return client.get("/oauth/userinfo", headers={"Authorization": f"Bearer {access_token}"}).status_code


def test_refresh_rotates_both_tokens(flow, signed_in, confidential_client):
    first = flow.tokens(confidential_client)
    response = flow.refresh(confidential_client, first["refresh_token"])
    assert response.status_code == 200
    second = response.get_json()
    assert second["refresh_token"] != first["refresh_token"]
    assert second["access_token"] != first["access_token"]
    assert second["scope"] == first["scope"]
    assert response.headers["Cache-Control"] == "no-store"


def test_rotated_refresh_token_works_again_only_in_its_new_form(flow, signed_in, confidential_client):
    token = flow.tokens(confidential_client)["refresh_token"]
    for _ in range(3):
        token = flow.refresh(confidential_client, token).get_json()["refresh_token"]
    assert flow.refresh(confidential_client, token).status_code == 200


def test_reusing_a_refresh_token_revokes_the_whole_family(flow, signed_in, confidential_client, client):
    first = flow.tokens(confidential_client)
    second = flow.refresh(confidential_client, first["refresh_token"]).get_json()

    reuse = flow.refresh(confidential_client, first["refresh_token"])
    assert reuse.status_code == 400
    assert reuse.get_json()["error"] == "invalid_grant"

    # The thief or the client holds the newest pair; neither may go on.
    assert flow.refresh(confidential_client, second["refresh_token"]).get_json()["error"] == "invalid_grant"
    assert _userinfo_status(client, second["access_token"]) == 401


def test_reuse_leaves_other_families_alone(flow, signed_in, confidential_client, client):
    stolen = flow.tokens(confidential_client)
    other = flow.tokens(confidential_client)
    flow.refresh(confidential_client, stolen["refresh_token"])
    flow.refresh(confidential_client, stolen["refresh_token"])
    assert flow.refresh(confidential_client, other["refresh_token"]).status_code == 200


def test_refresh_token_is_bound_to_its_client(flow, signed_in, confidential_client, register):
    other = register("other")
    tokens = flow.tokens(confidential_client)
    assert flow.refresh(other, tokens["refresh_token"]).get_json()["error"] == "invalid_grant"
    # The rightful client can still use it: a foreign client cannot burn it.
    assert flow.refresh(confidential_client, tokens["refresh_token"]).status_code == 200


def test_public_client_refreshes_by_naming_itself(flow, signed_in, public_client):
    tokens = flow.tokens(public_client)
    assert flow.refresh(public_client, tokens["refresh_token"]).status_code == 200


def test_no_refresh_token_without_offline_access(flow, signed_in, confidential_client):
    tokens = flow.tokens(confidential_client, scope="openid email")
    assert "refresh_token" not in tokens


def test_refresh_may_narrow_but_not_widen_the_scope(flow, signed_in, register):
    rp = register("wide", scope="openid profile email offline_access")
    tokens = flow.tokens(rp, scope="openid email offline_access")
    widened = flow.refresh(rp, tokens["refresh_token"], scope="openid email profile offline_access")
    assert widened.get_json()["error"] == "invalid_scope"
    narrowed = flow.refresh(rp, tokens["refresh_token"], scope="openid offline_access")
    assert narrowed.status_code == 200
    assert narrowed.get_json()["scope"] == "openid offline_access"


def test_refresh_is_refused_after_the_accounts_session_ended(flow, signed_in, confidential_client, auth):
    tokens = flow.tokens(confidential_client)
    auth.sign_out()
    # SPEC §2.5: even if the back-channel message is lost, the client's next refresh fails.
    assert flow.refresh(confidential_client, tokens["refresh_token"]).get_json()["error"] == "invalid_grant"


def test_rotation_never_extends_the_grant(flow, signed_in, confidential_client):
    fourteen_days = 14 * 24 * 3600
    with time_machine.travel(time.time(), tick=False) as traveller:
        token = flow.tokens(confidential_client)["refresh_token"]
        traveller.shift(fourteen_days - 10)
        token = flow.refresh(confidential_client, token).get_json()["refresh_token"]
        traveller.shift(20)
        assert flow.refresh(confidential_client, token).get_json()["error"] == "invalid_grant"


def test_unknown_refresh_token_is_refused(flow, confidential_client):
    assert flow.refresh(confidential_client, "not-a-token").get_json()["error"] == "invalid_grant"


def test_the_client_named_by_the_token_still_proves_its_secret(flow, signed_in, confidential_client):
    tokens = flow.tokens(confidential_client)
    data = {"grant_type": "refresh_token", "refresh_token": tokens["refresh_token"]}
    # The token is read with its client before client authentication; that row is checked like any other.
    wrong = flow.client.post("/oauth/token", data=data, auth=(confidential_client.client_id, "not-the-secret"))
    assert wrong.status_code == 401
    assert wrong.get_json()["error"] == "invalid_client"
    assert flow.refresh(confidential_client, tokens["refresh_token"]).status_code == 200


def test_a_client_read_with_a_token_answers_only_inside_its_block(accounts_app, confidential_client):
    with accounts_app.app_context():
        row = registered_client(confidential_client.client_id)
        with already_read(row):
            db.session.execute(select(Client).where(Client.client_id == row.client_id)).scalar_one().name = "Renamed"
            db.session.commit()
            assert registered_client(row.client_id) is row  # no statement: the row read a moment ago
        # Outside the block every lookup reads the table again.
        assert registered_client(row.client_id).name == "Renamed"
