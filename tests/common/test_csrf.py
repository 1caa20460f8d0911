"""Every state-changing endpoint of every site refuses a request without a valid CSRF token.

The routes are read from each app's url_map, so a form added later is covered without editing this file.
"""

from datetime import timedelta

import pytest
from flask import url_for
from flask_wtf.csrf import generate_csrf

import accounts
import tenants
from accounts.audit.events import Origin
from accounts.extensions import db as accounts_db
from accounts.federation import services as federation
from accounts.federation.models import FederatedIdentity
from accounts.identity import email_change, tokens
from accounts.identity.models import User
from accounts.magic_links import services as magic_links
from accounts.mfa.lockout import LockoutPolicy
from accounts.mfa.trusted_devices import list_devices, trust_device
from accounts.oidc.clients import Registration, register_client
from accounts.orgs import invitations
from accounts.orgs import services as orgs
from accounts.orgs.rules import Role
from accounts.passkeys.models import PasskeyCredential
from common.clock import utcnow
from common.server_session import hash_token
from tenants.extensions import db as tenants_db
from tests.accounts.conftest import session_rows, signed_in_as
from tests.common.conftest import table_rows
from tests.conftest import FAST_ARGON2, PASSWORD, Auth, accounts_overrides

STATE_CHANGING = {"POST", "PUT", "PATCH", "DELETE"}

# Machine endpoints that authenticate another way, each with the reason (SPEC: token, back-channel logout, API).
CSRF_EXEMPT: dict[tuple[str, str], str] = {
    ("accounts", "oidc.token"): "RFC 6749: clients authenticate with their credentials and PKCE, never cookies",
    ("accounts", "oidc.revoke"): "RFC 7009: client-authenticated machine endpoint",
    ("accounts", "oidc.introspect"): "RFC 7662: client-authenticated machine endpoint",
    ("accounts", "oidc.userinfo"): "OIDC Core §5.3: authenticated by the bearer access token",
    **{
        (site, endpoint): reason
        for site in ("acme", "globex")
        for endpoint, reason in {
            "signin.backchannel_logout": "OIDC Back-Channel Logout: authenticated by the signed logout token",
            "signin.security_events": "RFC 8935 push: authenticated by the signed Security Event Token",
            "api.create_todo": "bearer-token API: no cookies are read, so no cross-site request can ride on one",
            "api.update_todo": "bearer-token API: no cookies are read",
            "api.delete_todo": "bearer-token API: no cookies are read",
        }.items()
    },
}
# A todo id of the right shape; the CSRF check refuses before any lookup.
TENANT_URL_VALUES = {endpoint: {"todo_id": "a" * 22} for endpoint in ("todos.edit", "todos.toggle", "todos.delete")}

# Everything a form could ask for, valid enough that the request would change something if it got through.
FORM_DATA = {
    "name": "Mallory",
    "email": "alice@example.com",
    "password": "mallory's new passphrase",
    "confirm": "mallory's new passphrase",
    "current_password": PASSWORD,
    "note": "hello",
}


def _apps():
    yield "accounts", accounts.create_app(accounts_overrides())
    yield "acme", tenants.create_app("acme", {"TESTING": True})
    yield "globex", tenants.create_app("globex", {"TESTING": True})


def state_changing_routes():
    for site, app in _apps():
        for rule in app.url_map.iter_rules():
            for method in sorted(rule.methods & STATE_CHANGING):
                if (site, rule.endpoint) not in CSRF_EXEMPT:
                    yield pytest.param(site, method, rule.endpoint, id=f"{site} {method} {rule.rule}")


ROUTES = list(state_changing_routes())


def test_the_discovery_finds_the_known_forms():
    found = {p.values[2] for p in ROUTES}
    assert {"identity.sign_in", "identity.sign_out", "identity.change_password", "sessions.revoke"} <= found


class World:
    """A site with a signed-in browser and something for each form to destroy if CSRF let it through."""

    def __init__(self, app, db, client, url_values: dict, ignore: dict):
        self.app, self.db, self.client, self.url_values, self.ignore = app, db, client, url_values, ignore

    def url(self, endpoint: str) -> str:
        rule = next(self.app.url_map.iter_rules(endpoint))
        missing = rule.arguments - set(self.url_values.get(endpoint, {}))
        assert not missing, f"tell test_csrf.py which {missing} to use for {endpoint}"
        with self.app.test_request_context():
            return url_for(endpoint, **self.url_values.get(endpoint, {}))

    def rows(self):
        with self.app.app_context():
            return table_rows(self.db, self.ignore)


ADMIN_ACTIONS = ("ban", "unban", "set_role", "revoke_sessions", "reset_mfa")


@pytest.fixture
def accounts_world(accounts_app, make_user, outbox):
    alice = make_user("alice@example.com", name="Alice")
    client = accounts_app.test_client()
    Auth(client).sign_in()
    phone = accounts_app.test_client()
    Auth(phone).sign_in()
    phone_sid = next(r.public_id for r in session_rows(accounts_app, alice.id) if r.public_id != session_sid(client))
    with accounts_app.app_context():
        now = utcnow()
        bob = User(email="bob@example.com", name="Bob", password_hash="x", created_at=now, password_changed_at=now)
        accounts_db.session.add(bob)
        accounts_db.session.commit()
        bob_id = bob.id
        verify = tokens.issue_token(bob, tokens.VERIFY_EMAIL, accounts_app.config["EMAIL_TOKEN_LIFETIME"], now)
        user = accounts_db.session.get(User, alice.id)
        reset = tokens.issue_token(user, tokens.RESET_PASSWORD, accounts_app.config["PASSWORD_RESET_LIFETIME"], now)
        identity = FederatedIdentity(user_id=alice.id, provider="dev", iss="https://upstream.example", sub="a-1")
        accounts_db.session.add(identity)
        accounts_db.session.flush()
        identity_id = identity.id
        link_by_mail = tokens.issue_token(
            user, federation.LINK_BY_MAIL, accounts_app.config["FEDERATION_PROOF_LIFETIME"], now
        )
        new_address = email_change.request_change(
            user,
            "alice.new@example.com",
            PASSWORD,
            params=FAST_ARGON2,
            lifetime=accounts_app.config["EMAIL_TOKEN_LIFETIME"],
            now=now,
            origin=Origin(),
        ).token
        sign_in_link = magic_links.request_link(
            "alice@example.com",
            browser=magic_links.browser_value(None),
            next_url="/",
            lifetime=accounts_app.config["MAGIC_LINK_LIFETIME"],
            lockout=LockoutPolicy(limit=10, window=timedelta(minutes=15)),
            origin=Origin(),
            now=now,
        ).token
        accounts_db.session.commit()
        org = orgs.create_org(alice.id, "Initech", "initech", now)
        orgs.set_membership(org.id, bob_id, Role.MEMBER)
        invitation, invitation_token = invitations.invite(
            org.id, alice.id, "carol@example.com", Role.MEMBER, lifetime=timedelta(days=7), now=now
        )
        invitation_id = invitation.id
        device_token = trust_device(alice.id, lifetime=timedelta(days=30), ip=None, user_agent="phone", now=now)
        device_id = next(d.id for d in list_devices(alice.id, now) if d is not None)
        passkey = PasskeyCredential(user_id=alice.id, credential_id=b"csrf", public_key=b"k", name="Laptop")
        accounts_db.session.add(passkey)
        accounts_db.session.commit()
        passkey_id = passkey.id
        register_client(
            Registration("App", ["https://app.example/cb"], [], None, "openid", public=True, first_party=False), "app"
        )
    assert device_token
    member = {"slug": "initech", "user_id": bob_id}
    url_values = {
        "identity.verify_email": {"token": verify},
        "identity.reset_password": {"token": reset},
        "identity.confirm_email_change": {"token": new_address},
        "magic_links.confirm": {"token": sign_in_link},
        "federation.confirm_by_mail": {"token": link_by_mail},
        "federation.link": {"slug": "dev"},
        "federation.unlink": {"identity_id": identity_id},
        "sessions.revoke": {"public_id": phone_sid},
        "orgs.rename": {"slug": "initech"},
        "orgs.delete": {"slug": "initech"},
        "orgs.invite": {"slug": "initech"},
        "orgs.leave": {"slug": "initech"},
        "orgs.revoke": {"slug": "initech", "invitation_id": invitation_id},
        "orgs.change_role": member,
        "orgs.remove": member,
        "orgs.transfer": member,
        "orgs.accept": {"token": invitation_token},
        "orgs.decline": {"token": invitation_token},
        "mfa.forget_device": {"device_id": device_id},
        "passkeys.rename": {"passkey_id": passkey_id},
        "passkeys.remove": {"passkey_id": passkey_id},
        "oidc.disconnect": {"client_id": "app"},
        "impersonation.start": {"user_id": bob_id},
        **{f"admin.{name}": {"user_id": bob_id} for name in ADMIN_ACTIONS},
    }
    # Any visit may refresh "last seen" and the session's own data; the rows themselves must stay.
    return World(accounts_app, accounts_db, client, url_values, {"sessions": {"data", "last_seen_at", "ip"}})


def session_sid(client) -> str:
    """The public id of the session a client's cookie points at."""
    value = client.get_cookie(client.application.config["SESSION_COOKIE_NAME"]).value
    return next(r.public_id for r in session_rows(client.application) if r.key == hash_token(value))


@pytest.fixture
def acme_world(acme_app):
    return World(
        acme_app,
        tenants_db,
        acme_app.test_client(),
        TENANT_URL_VALUES,
        {"tenant_sessions": {"data", "last_seen_at", "ip"}},
    )


@pytest.fixture
def globex_world(globex_app):
    return World(
        globex_app,
        tenants_db,
        globex_app.test_client(),
        TENANT_URL_VALUES,
        {"tenant_sessions": {"data", "last_seen_at", "ip"}},
    )


def foreign_token(world) -> str:
    """A real token, but of another browser's session (what a cross-site attacker could obtain)."""
    with world.app.test_request_context():
        return generate_csrf()


@pytest.mark.parametrize("token", ["missing", "garbage", "foreign"])
@pytest.mark.parametrize(("site", "method", "endpoint"), ROUTES)
def test_a_state_changing_request_without_a_valid_csrf_token_is_refused(request, site, method, endpoint, token):
    world = request.getfixturevalue(f"{site}_world")
    data = dict(FORM_DATA)
    if token == "garbage":
        data["csrf_token"] = "IjAwMDAi.AAAAAA.forged-signature"
    elif token == "foreign":
        data["csrf_token"] = foreign_token(world)
    before = world.rows()

    response = world.client.open(world.url(endpoint), method=method, data=data)

    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "This form has expired or was not sent by this site." in html
    assert "/static/gatehouse.css" in html
    assert world.rows() == before
    if site == "accounts":
        assert signed_in_as(world.client) == "Alice"
