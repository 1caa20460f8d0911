"""The federation pages without a live provider: buttons, bad callbacks, the security section, no-password accounts."""

from datetime import timedelta

import pytest
from sqlalchemy import select

from accounts.extensions import db
from accounts.federation.models import FederatedIdentity
from accounts.identity.models import User
from accounts.sessions.slots import AUTHENTICATION
from common.clock import utcnow
from tests.accounts.conftest import add_user, flashes
from tests.conftest import Auth, submit

CORP = 'name = "Corp"\nissuer = "https://id.corp.example"\nclient_id = "gatehouse"\ntrust_email_verified = true\n'


@pytest.fixture
def app(accounts_app_with, tmp_path):
    (tmp_path / "corp.toml").write_text(CORP)
    return accounts_app_with(FEDERATION_UPSTREAMS_DIR=str(tmp_path))


@pytest.fixture
def client(app):
    return app.test_client()


def federated_user(app, email: str = "fed@example.com") -> int:
    """An account made by an upstream sign-in: no password, one linked identity."""
    with app.app_context():
        now = utcnow()
        user = User(email=email, name="Fed", password_hash="", email_verified_at=now)  # noqa: S106
        db.session.add(user)
        db.session.flush()
        db.session.add(FederatedIdentity(user_id=user.id, provider="corp", iss="https://id.corp.example", sub="9"))
        db.session.commit()
        return user.id


def test_the_sign_in_page_has_one_button_per_provider(client):
    page = client.get("/sign-in?next=/oauth/authorize").get_data(as_text=True)

    assert "Continue with Corp" in page
    assert 'href="/sign-in/with/corp?next=/oauth/authorize"' in page


def test_no_provider_file_enabled_means_no_button(accounts_app_with):
    page = accounts_app_with().test_client().get("/sign-in").get_data(as_text=True)
    assert "Continue with" not in page, "the development provider ships disabled"


@pytest.mark.parametrize(
    "query",
    ["", "?code=abc", "?code=abc&state=never-issued", "?error=access_denied&state=never-issued"],
)
def test_a_callback_this_browser_did_not_start_is_refused_without_calling_the_provider(client, query):
    response = client.get(f"/sign-in/with/corp/callback{query}")

    assert response.status_code == 400
    assert "not started here" in response.get_data(as_text=True)


def test_an_unknown_provider_is_404(client):
    assert client.get("/sign-in/with/nobody").status_code == 404
    assert client.get("/sign-in/with/nobody/callback?state=x").status_code == 404
    assert client.get("/sign-in/with/NOT%20A%20SLUG").status_code == 404


def test_the_proof_page_without_a_pending_link_goes_back_to_sign_in(client):
    response = client.get("/sign-in/link-account")
    assert response.status_code == 303 and response.headers["Location"].endswith("/sign-in")


def test_the_security_page_lists_linked_providers_and_offers_the_others(app, client):
    add_user(app)
    Auth(client).sign_in()

    page = client.get("/security").get_data(as_text=True)

    assert "Sign-in providers" in page and "No provider is linked" in page
    assert 'href="/security/sign-in-providers/corp/link"' in page


def test_another_users_identity_cannot_be_unlinked(app, client):
    federated_user(app)
    add_user(app)
    Auth(client).sign_in()
    with app.app_context():
        theirs = db.session.scalar(select(FederatedIdentity.id))

    response = submit(client, f"/security/sign-in-providers/{theirs}/unlink", {}, form_url="/security")

    assert response.status_code == 404


def test_an_account_without_a_password_cannot_sign_in_with_one(app, client):
    federated_user(app)

    response = Auth(client).sign_in("fed@example.com", "")
    refused = Auth(client).sign_in("fed@example.com", "any password at all")

    assert response.status_code == 303 and refused.status_code == 303
    assert client.get("/").get_data(as_text=True).count("Hello, Fed") == 0


def signed_in_upstream(client, user_id: int, *, minutes_ago: int = 0) -> None:
    """Leave the authentication record a completed upstream sign-in leaves (accounts/sessions/authentication.py)."""
    auth_time = int((utcnow() - timedelta(minutes=minutes_ago)).timestamp())
    with client.session_transaction() as session:
        session[AUTHENTICATION.key] = {"user_id": user_id, "amr": ["fed"], "auth_time": auth_time}


def test_change_password_sends_an_account_without_one_to_the_reset_link(app, client):
    signed_in_upstream(client, federated_user(app))

    response = client.get("/account/password")

    assert response.status_code == 303 and response.headers["Location"].endswith("/reset")
    assert "no password yet" in " ".join(flashes(client.get("/reset")))


def test_linking_without_a_password_needs_a_recent_sign_in(app, client):
    signed_in_upstream(client, federated_user(app), minutes_ago=30)

    page = client.get("/security/sign-in-providers/corp/link").get_data(as_text=True)

    assert "sign in again first" in page


def test_change_email_sends_an_account_without_a_password_to_the_reset_link(app, client):
    signed_in_upstream(client, federated_user(app))

    response = client.get("/account/email")

    assert response.status_code == 303 and response.headers["Location"].endswith("/reset")


def test_the_callback_is_rate_limited_per_address_like_sign_in(accounts_app_with, tmp_path):
    (tmp_path / "corp.toml").write_text(CORP)
    client = accounts_app_with(
        FEDERATION_UPSTREAMS_DIR=str(tmp_path), RATELIMIT_SIGNIN_PER_IP="2 per minute"
    ).test_client()

    answers = [client.get("/sign-in/with/corp/callback?code=x&state=y").status_code for _ in range(3)]

    assert answers == [400, 400, 429]


def test_a_linked_provider_is_listed_with_unlink_and_not_offered_again(app, client):
    signed_in_upstream(client, federated_user(app))

    page = client.get("/security").get_data(as_text=True)
    with app.app_context():
        linked = db.session.scalar(select(FederatedIdentity.id))

    assert "Corp" in page and f"/security/sign-in-providers/{linked}/unlink" in page
    assert "Link Corp" not in page
    assert "Your account has no password" in page
