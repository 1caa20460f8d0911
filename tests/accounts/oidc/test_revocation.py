"""RFC 7009 token revocation."""


def _revoke(client, rp, token: str, hint: str | None = None):
    data = {"token": token} | ({"token_type_hint": hint} if hint else {})
    if rp.public:
        return client.post("/oauth/revoke", data={"client_id": rp.client_id, **data})
    return client.post("/oauth/revoke", data=data, auth=(rp.client_id, rp.secret))


def _userinfo(client, token: str) -> int:
    return client.get("/oauth/userinfo", headers={"Authorization": f"Bearer {token}"}).status_code


def test_revoking_a_refresh_token_revokes_its_grant(flow, signed_in, confidential_client, client):
    tokens = flow.tokens(confidential_client)
    response = _revoke(client, confidential_client, tokens["refresh_token"], "refresh_token")
    assert response.status_code == 200
    assert flow.refresh(confidential_client, tokens["refresh_token"]).get_json()["error"] == "invalid_grant"
    # §2.1: the access tokens of the same grant go too.
    assert _userinfo(client, tokens["access_token"]) == 401


def test_revoking_an_access_token(flow, signed_in, confidential_client, client):
    tokens = flow.tokens(confidential_client)
    assert _revoke(client, confidential_client, tokens["access_token"], "access_token").status_code == 200
    assert _userinfo(client, tokens["access_token"]) == 401


def test_hint_is_only_a_hint(flow, signed_in, confidential_client, client):
    tokens = flow.tokens(confidential_client)
    assert _revoke(client, confidential_client, tokens["refresh_token"], "access_token").status_code == 200
    assert flow.refresh(confidential_client, tokens["refresh_token"]).status_code == 400


def test_revoking_an_unknown_token_answers_200(client, confidential_client):
    # §2.2: invalid tokens do not cause an error (the client's goal is reached).
    assert _revoke(client, confidential_client, "no-such-token").status_code == 200


def test_revocation_other_grants_survive(flow, signed_in, confidential_client, client):
    kept = flow.tokens(confidential_client)
    dropped = flow.tokens(confidential_client)
    _revoke(client, confidential_client, dropped["refresh_token"])
    assert flow.refresh(confidential_client, kept["refresh_token"]).status_code == 200


def test_a_client_cannot_revoke_another_clients_token(flow, signed_in, confidential_client, register, client):
    other = register("other")
    tokens = flow.tokens(confidential_client)
    response = _revoke(client, other, tokens["refresh_token"])
    assert response.status_code == 400
    assert flow.refresh(confidential_client, tokens["refresh_token"]).status_code == 200


def test_revocation_requires_client_authentication(flow, signed_in, confidential_client, client):
    tokens = flow.tokens(confidential_client)
    response = client.post("/oauth/revoke", data={"token": tokens["refresh_token"], "client_id": "tenant"})
    assert response.status_code in (400, 401)
    assert response.get_json()["error"] == "invalid_client"
    assert flow.refresh(confidential_client, tokens["refresh_token"]).status_code == 200


def test_public_client_revokes_its_own_tokens(flow, signed_in, public_client, client):
    tokens = flow.tokens(public_client)
    assert _revoke(client, public_client, tokens["refresh_token"]).status_code == 200
    assert flow.refresh(public_client, tokens["refresh_token"]).status_code == 400


def test_missing_token_parameter_is_invalid_request(client, confidential_client):
    response = client.post("/oauth/revoke", data={}, auth=(confidential_client.client_id, confidential_client.secret))
    assert response.status_code == 400
    assert response.get_json()["error"] == "invalid_request"
