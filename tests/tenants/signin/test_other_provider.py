"""SPEC §1, §3.1: a tenant works unchanged against a provider that is not Gatehouse.

The provider (tests/tenants/other_provider.py) advertises only `openid profile email`, puts no
profile and no `orgs` claim in its ID tokens, and issues refresh tokens only when told to.
"""

import html
import logging
import re
from dataclasses import replace
from datetime import timedelta

import pytest
from sqlalchemy import select, update

from common.clock import utcnow
from tenants.extensions import db
from tenants.signin.client import provider
from tenants.signin.models import TokenSet
from tenants.todos import services
from tenants.todos.models import Todo
from tenants.todos.scoping import viewer_from_claims
from tests.conftest import CSRF_RE, csrf_token
from tests.tenants.conftest import finish_at_provider
from tests.tenants.other_provider import OTHER_ISSUER, SUB, authorization_request
from tests.tenants.people import ISSUER


def expire_access_token(app, seconds_left: int = 5) -> None:
    with app.app_context():
        db.session.execute(update(TokenSet).values(access_expires_at=utcnow() + timedelta(seconds=seconds_left)))
        db.session.commit()


def signed_in_as(client) -> str | None:
    page = client.get("/").get_data(as_text=True)
    if "Signed in as <strong>" not in page:
        return None
    return page.split("Signed in as <strong>", 1)[1].split("</strong>", 1)[0]


def test_sign_in_asks_only_for_the_scopes_the_provider_advertises(other):
    client = other.app.test_client()

    location = client.get("/auth/sign-in").headers["Location"]

    assert authorization_request(location)["scope"] == "openid profile email"
    assert authorization_request(location)["code_challenge_method"] == "S256"


def test_the_name_comes_from_userinfo_when_the_id_token_has_none(other, sign_in_at_other):
    client = other.app.test_client()

    response = sign_in_at_other(other, client)

    assert response.status_code == 302 and response.headers["Location"] == "/"
    assert signed_in_as(client) == "Robin Other"
    assert any(url.endswith("/o/userinfo") for _, url, _ in other.provider.calls)


def test_userinfo_for_another_sub_is_ignored(other, sign_in_at_other):
    other.provider.userinfo = {"sub": "someone-else", "name": "Mallory"}
    client = other.app.test_client()

    sign_in_at_other(other, client)

    assert signed_in_as(client) == "Signed-in user"


def test_without_an_orgs_claim_the_user_works_in_a_personal_space(other, sign_in_at_other):
    client = other.app.test_client()
    sign_in_at_other(other, client)

    listing = client.get("/todos/")
    assert listing.status_code == 200
    assert "Personal" in listing.get_data(as_text=True)

    created = client.post(
        "/todos/new", data={"csrf_token": csrf_token(client, "/todos/new"), "title": "Water the plants"}
    )
    assert created.status_code == 303
    assert "Water the plants" in client.get("/todos/").get_data(as_text=True)
    with other.app.app_context():
        todo = db.session.scalar(select(Todo))
        assert (todo.iss, todo.author_sub) == (OTHER_ISSUER, SUB)


def test_an_org_5_of_another_issuer_does_not_see_our_org_5(other, sign_in_at_other):
    ours = viewer_from_claims(ISSUER, "7", [{"id": "5", "slug": "acme-corp", "name": "Acme Corp", "role": "owner"}])
    with other.app.app_context():
        services.create_todo("acme", ours, "5", {"title": "Our shared plan", "visibility": "org"}, utcnow())
    other.provider.id_token_claims = {"orgs": [{"id": "5", "slug": "five", "name": "Five", "role": "owner"}]}
    client = other.app.test_client()
    sign_in_at_other(other, client)

    switched = client.post("/active-org", data={"csrf_token": csrf_token(client, "/todos/"), "org_id": "5"})
    listing = client.get("/todos/").get_data(as_text=True)

    assert switched.status_code == 303
    assert "Five" in listing
    assert "Our shared plan" not in listing


def test_the_orgs_claim_is_ignored_when_the_tenant_trusts_none(other, sign_in_at_other):
    other.app.config["TENANT"] = replace(other.app.config["TENANT"], orgs_claim=None)
    other.provider.id_token_claims = {"orgs": [{"id": "5", "slug": "five", "name": "Five", "role": "owner"}]}
    client = other.app.test_client()
    sign_in_at_other(other, client)

    client.post("/active-org", data={"csrf_token": csrf_token(client, "/todos/"), "org_id": "5"})

    listing = client.get("/todos/").get_data(as_text=True)
    assert "Personal" in listing and "Five" not in listing


def test_a_refresh_asks_for_no_scope_beyond_the_grant(other, sign_in_at_other):
    other.provider.scopes_supported.append("offline_access")
    other.provider.issue_refresh_tokens = True
    client = other.app.test_client()
    sign_in_at_other(other, client)
    expire_access_token(other.app)

    assert signed_in_as(client) == "Robin Other"

    (refresh,) = other.provider.token_requests("refresh_token")
    assert "scope" not in refresh, "RFC 6749 §6: no scope beyond the grant"
    assert refresh["refresh_token"].startswith("other-rt-")


def test_offline_access_is_asked_for_only_where_advertised(other):
    client = other.app.test_client()
    other.provider.scopes_supported.append("offline_access")

    scope = authorization_request(client.get("/auth/sign-in").headers["Location"])["scope"]

    assert scope.split() == ["openid", "profile", "email", "offline_access"]


def test_a_refused_refresh_is_logged_and_signs_out(other, sign_in_at_other, caplog):
    other.provider.issue_refresh_tokens = True
    other.provider.refresh_answer = {"error": "invalid_grant", "error_description": "refresh token revoked"}
    client = other.app.test_client()
    sign_in_at_other(other, client)
    expire_access_token(other.app)

    with caplog.at_level(logging.WARNING, logger="tenants.signin.identity"):
        assert signed_in_as(client) is None

    assert any("refresh refused" in r.getMessage() and "invalid_grant" in r.getMessage() for r in caplog.records)
    assert not any("other-rt-" in r.getMessage() for r in caplog.records), "no tokens in logs"


def test_without_a_refresh_token_an_expiring_sign_in_is_renewed_silently(other, sign_in_at_other):
    client = other.app.test_client()
    sign_in_at_other(other, client)
    expire_access_token(other.app)

    renew = client.get("/todos/?status=open")
    assert renew.status_code == 302
    location = client.get(renew.headers["Location"]).headers["Location"]
    assert authorization_request(location)["prompt"] == "none"

    back = finish_at_provider(client, other.provider, location)

    assert back.headers["Location"] == "/todos/?status=open"
    assert client.get("/todos/?status=open").status_code == 200
    assert signed_in_as(client) == "Robin Other"


def test_a_failed_silent_renewal_signs_out_without_an_error_page(other, sign_in_at_other):
    client = other.app.test_client()
    sign_in_at_other(other, client)
    expire_access_token(other.app)

    location = client.get(client.get("/todos/").headers["Location"]).headers["Location"]
    answer = finish_at_provider(client, other.provider, location, error="login_required")

    assert answer.status_code == 302 and answer.headers["Location"] == "/todos/"
    assert signed_in_as(client) is None


def test_tokens_that_expire_at_once_do_not_loop_through_renewals(other, sign_in_at_other):
    other.provider.expires_in = 1
    client = other.app.test_client()
    sign_in_at_other(other, client)

    location = client.get(client.get("/todos/").headers["Location"]).headers["Location"]
    finish_at_provider(client, other.provider, location)

    assert client.get("/todos/").headers["Location"].startswith("/auth/sign-in?next=")
    assert signed_in_as(client) is None


HIDDEN = re.compile(r'<input type="hidden" name="([^"]+)" value="([^"]*)">')


def hidden_fields(page: str) -> dict:
    """The hidden inputs of the resume page's form (the CSRF token among them), unescaped."""
    fields = {name: html.unescape(value) for name, value in HIDDEN.findall(page)}
    fields["csrf_token"] = CSRF_RE.search(page).group(1)
    return fields


def test_a_post_after_expiry_keeps_what_the_user_typed(other, sign_in_at_other):
    client = other.app.test_client()
    sign_in_at_other(other, client)
    token = csrf_token(client, "/todos/new")
    expire_access_token(other.app)

    posted = client.post(
        "/todos/new", data={"csrf_token": token, "title": "Call the plumber", "notes": 'Tuesday "after" <lunch>'}
    )
    assert posted.status_code == 303
    location = client.get(posted.headers["Location"]).headers["Location"]
    assert authorization_request(location)["prompt"] == "none"
    back = finish_at_provider(client, other.provider, location)
    assert back.headers["Location"] == "/auth/resume"

    page = client.get("/auth/resume").get_data(as_text=True)
    assert 'action="/todos/new"' in page
    fields = hidden_fields(page)
    assert (fields["title"], fields["notes"]) == ("Call the plumber", 'Tuesday "after" <lunch>')
    assert CSRF_RE.search(page)

    sent = client.post("/todos/new", data=fields)
    assert sent.status_code == 303
    assert "Call the plumber" in client.get("/todos/").get_data(as_text=True)
    assert client.get("/auth/resume").headers["Location"] == "/", "offered once"


def test_a_post_whose_renewal_fails_waits_for_the_next_sign_in(other, sign_in_at_other):
    client = other.app.test_client()
    sign_in_at_other(other, client)
    token = csrf_token(client, "/todos/new")
    expire_access_token(other.app)

    posted = client.post("/todos/new", data={"csrf_token": token, "title": "Call the plumber"})
    location = client.get(posted.headers["Location"]).headers["Location"]
    answer = finish_at_provider(client, other.provider, location, error="login_required")
    assert answer.headers["Location"] == "/auth/sign-in?next=/auth/resume"
    assert signed_in_as(client) is None

    interactive = client.get(answer.headers["Location"]).headers["Location"]
    assert "prompt" not in authorization_request(interactive)
    assert finish_at_provider(client, other.provider, interactive).headers["Location"] == "/auth/resume"
    assert hidden_fields(client.get("/auth/resume").get_data(as_text=True))["title"] == "Call the plumber"


def test_a_stashed_post_is_never_offered_to_someone_else(other, sign_in_at_other):
    client = other.app.test_client()
    sign_in_at_other(other, client)
    token = csrf_token(client, "/todos/new")
    expire_access_token(other.app)
    posted = client.post("/todos/new", data={"csrf_token": token, "title": "Robin's secret"})
    location = client.get(posted.headers["Location"]).headers["Location"]
    answer = finish_at_provider(client, other.provider, location, error="login_required")
    interactive = client.get(answer.headers["Location"]).headers["Location"]

    other.provider.id_token_claims = {"sub": "another-user"}
    other.provider.userinfo = {"sub": "another-user", "name": "Sam"}
    finish_at_provider(client, other.provider, interactive)

    assert signed_in_as(client) == "Sam"
    assert "Robin" not in client.get("/auth/resume", follow_redirects=True).get_data(as_text=True)


@pytest.mark.parametrize(
    "error", ["login_required", "invalid_scope", "access_denied", "server_error", "temporarily_unavailable", "x"]
)
def test_any_error_answer_to_the_silent_check_means_not_signed_in(other, error):
    other.app.config["TENANT"] = replace(other.app.config["TENANT"], silent_sso=True)
    client = other.app.test_client()

    first = client.get("/todos/?status=open")
    location = client.get(first.headers["Location"]).headers["Location"]
    assert authorization_request(location)["prompt"] == "none"
    answer = finish_at_provider(client, other.provider, location, error=error)

    assert answer.status_code == 302 and answer.headers["Location"] == "/todos/?status=open"
    home = client.get("/")
    assert home.status_code == 200 and signed_in_as(client) is None


def test_a_session_from_another_issuer_is_not_ours(other, open_session):
    client = other.app.test_client()
    open_session(other.app, client)
    with client.session_transaction() as session:
        session["iss"] = ISSUER  # signed in before the tenant was pointed at OTHER_ISSUER

    assert signed_in_as(client) is None


def test_an_error_callback_with_a_state_not_ours_signs_nobody_out(other, sign_in_at_other):
    client = other.app.test_client()
    sign_in_at_other(other, client)
    expire_access_token(other.app)
    location = client.get(client.get("/todos/").headers["Location"]).headers["Location"]
    assert authorization_request(location)["prompt"] == "none"

    forged = client.get("/auth/callback", query_string={"state": "made-up", "error": "login_required"})

    assert forged.status_code == 400
    assert finish_at_provider(client, other.provider, location).status_code == 302
    assert signed_in_as(client) == "Robin Other"


@pytest.mark.parametrize(
    ("query", "logged"),
    [
        ({"state": "made-up", "code": "c"}, "state not issued"),
        ({"error": "invalid_request"}, "Sign-in callback refused"),
    ],
)
def test_a_failed_callback_is_logged_with_its_reason(other, caplog, query, logged):
    client = other.app.test_client()
    location = client.get("/auth/sign-in").headers["Location"]
    state = {"state": authorization_request(location)["state"]} if "state" not in query else {}

    with caplog.at_level(logging.WARNING, logger="tenants.signin.views"):
        assert client.get("/auth/callback", query_string=query | state).status_code == 400

    assert any(logged in record.getMessage() for record in caplog.records)


def test_a_session_begun_before_issuers_were_recorded_keeps_working(other, open_session):
    client = other.app.test_client()
    open_session(other.app, client)
    with client.session_transaction() as session:
        del session["iss"]  # as written before the upgrade; its claims still name the issuer

    assert signed_in_as(client) == "Alice"


def test_a_refresh_without_a_userinfo_endpoint_keeps_the_new_tokens(other, sign_in_at_other):
    other.provider.issue_refresh_tokens = True
    client = other.app.test_client()
    sign_in_at_other(other, client)
    with other.app.app_context():
        provider().server_metadata.pop("userinfo_endpoint")
    expire_access_token(other.app)

    assert signed_in_as(client) == "Robin Other"
    assert len(other.provider.token_requests("refresh_token")) == 1
