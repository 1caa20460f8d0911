"""RFC 7636 PKCE, stricter than Authlib's defaults: S256 only, required for every client (RFC 9700 §2.1.1)."""

import pytest
from sqlalchemy import select

from accounts.extensions import db
from accounts.oidc import services
from accounts.oidc.models import Client
from common.clock import utcnow

from .conftest import ISSUER, CodeResult, new_verifier, query_of, s256


@pytest.fixture(params=["confidential", "public"])
def rp(request, confidential_client, public_client):
    """Every PKCE rule holds for confidential and public clients alike."""
    return confidential_client if request.param == "confidential" else public_client


def _refused_at_authorize(response, state="st"):
    assert response.status_code == 302
    answer = query_of(response.location)
    assert answer["error"] == "invalid_request"
    assert answer["state"] == state
    assert answer["iss"] == ISSUER
    assert "code" not in answer


def test_missing_code_challenge_is_refused(flow, signed_in, rp):
    _refused_at_authorize(flow.authorize(rp, code_challenge=None, code_challenge_method=None, state="st"))


def test_plain_method_is_refused(flow, signed_in, rp):
    verifier = new_verifier()
    response = flow.authorize(rp, code_challenge=verifier, code_challenge_method="plain", state="st")
    _refused_at_authorize(response)


def test_missing_method_is_refused_because_it_means_plain(flow, signed_in, rp):
    _refused_at_authorize(flow.authorize(rp, code_challenge_method=None, state="st"))


def test_malformed_challenge_is_refused(flow, signed_in, rp):
    _refused_at_authorize(flow.authorize(rp, code_challenge="too-short", state="st"))


def test_wrong_verifier_is_refused(flow, signed_in, rp):
    result = flow.code(rp)
    response = flow.exchange(rp, result, code_verifier=new_verifier())
    assert response.status_code == 400
    assert response.get_json()["error"] == "invalid_grant"


def test_missing_verifier_is_refused_as_invalid_grant(flow, signed_in, rp):
    # RFC 7636 §4.6: the code cannot be redeemed without its verifier.
    response = flow.exchange(rp, flow.code(rp), code_verifier=None)
    assert response.status_code == 400
    assert response.get_json()["error"] == "invalid_grant"


def test_right_verifier_is_accepted(flow, signed_in, rp):
    assert flow.exchange(rp, flow.code(rp)).status_code == 200


def _code_without_challenge(accounts_app, rp, user) -> CodeResult:
    """A code stored without PKCE, as if issued before this rule existed (the endpoint never issues one)."""
    with accounts_app.app_context():
        client = db.session.scalar(select(Client).where(Client.client_id == rp.client_id))
        signed_in = services.SignedInSession(user.id, "sid-without-pkce", 1, ["pwd"])
        services.store_code(
            "code-without-challenge",
            client=client,
            signed_in=signed_in,
            redirect_uri=rp.redirect_uri,
            scope="openid",
            nonce="n",
            code_challenge=None,
            code_challenge_method=None,
            now=utcnow(),
            lifetime=60,
        )
    return CodeResult("code-without-challenge", new_verifier(), "", "n")


def test_verifier_for_a_code_without_challenge_is_refused(flow, rp, user, accounts_app):
    # RFC 9700 §4.8: otherwise an attacker could inject a code and "prove" it with any verifier.
    response = flow.exchange(rp, _code_without_challenge(accounts_app, rp, user))
    assert response.status_code == 400
    assert response.get_json()["error"] == "invalid_request"


def test_code_without_challenge_cannot_be_redeemed_at_all(flow, rp, user, accounts_app):
    response = flow.exchange(rp, _code_without_challenge(accounts_app, rp, user), code_verifier=None)
    assert response.status_code == 400
    assert response.get_json()["error"] == "invalid_grant"


def test_challenge_is_computed_as_rfc7636_appendix_b():
    assert s256("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk") == "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
