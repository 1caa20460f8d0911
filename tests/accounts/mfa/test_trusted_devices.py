"""'Trust this device for 30 days' skips the second step until it is revoked, expires or the password changes."""

from datetime import timedelta

from accounts.extensions import db
from accounts.mfa import trusted_devices
from common.clock import utcnow
from tests.accounts.mfa.conftest import (
    CHALLENGE,
    code_now,
    enrol,
    events,
    second_step,
    signed_in_record,
    user_id,
)
from tests.conftest import PASSWORD, link_in, submit

NEW_PASSWORD = "a brand new passphrase 42"


def device_cookie_name(app) -> str:
    return app.config["SESSION_COOKIE_NAME"] + "_device"


def trust_this_browser(client, auth, enrolled, clock):
    """Sign in with a code, ticking "trust this device", then sign out and let the step pass."""
    auth.sign_in(enrolled.email, enrolled.password)
    response = second_step(client, code_now(enrolled.secret), remember=True)
    auth.sign_out()
    clock.shift(timedelta(seconds=30))
    return response


def test_device_cookie_is_host_only_httponly_lax(accounts_app, client, auth, enrolled, clock):
    response = trust_this_browser(client, auth, enrolled, clock)
    [header] = [h for h in response.headers.getlist("Set-Cookie") if h.startswith(device_cookie_name(accounts_app))]
    attributes = {part.strip().split("=")[0].lower() for part in header.split(";")}
    assert {"httponly", "path", "max-age"} <= attributes
    assert "SameSite=Lax" in header and "Max-Age=2592000" in header
    assert "domain" not in attributes  # host-only: no other host or subdomain receives it
    value = header.split(";")[0].split("=", 1)[1]
    with accounts_app.app_context():
        [row] = db.session.scalars(db.select(trusted_devices.TrustedDevice))
        assert row.token_hash not in value  # the cookie holds the token, the table only its hash


def test_trusted_device_skips_the_second_step(accounts_app, client, auth, enrolled, clock):
    trust_this_browser(client, auth, enrolled, clock)
    response = auth.sign_in(enrolled.email, enrolled.password)
    assert response.headers["Location"] == "/"
    # No second factor was given in this sign-in, so the session says password only.
    assert signed_in_record(accounts_app, client)["amr"] == ["pwd"]


def test_trusted_device_is_listed_on_the_security_page(client, auth, enrolled, clock):
    trust_this_browser(client, auth, enrolled, clock)
    auth.sign_in(enrolled.email, enrolled.password)
    page = client.get("/security").get_data(as_text=True)
    assert "Trusted devices" in page and "Forget all devices" in page and "2030-02-14" in page


def test_forget_all_devices_brings_the_step_back(accounts_app, client, auth, enrolled, clock):
    trust_this_browser(client, auth, enrolled, clock)
    auth.sign_in(enrolled.email, enrolled.password)
    response = submit(client, "/security/devices/forget-all", {}, form_url="/security")
    assert response.headers["Location"] == "/security"
    assert "Forgot 1 trusted device." in client.get("/security").get_data(as_text=True)
    auth.sign_out()
    assert auth.sign_in(enrolled.email, enrolled.password).headers["Location"] == CHALLENGE
    assert events(accounts_app, "mfa.devices_forgotten")[0].details == {"count": 1}


def test_forget_one_device(accounts_app, client, auth, enrolled, clock):
    trust_this_browser(client, auth, enrolled, clock)
    auth.sign_in(enrolled.email, enrolled.password)
    with accounts_app.app_context():
        [device] = trusted_devices.list_devices(enrolled.id, utcnow())
    response = submit(client, f"/security/devices/{device.id}/forget", {}, form_url="/security")
    assert response.headers["Location"] == "/security"
    assert submit(client, f"/security/devices/{device.id}/forget", {}, form_url="/security").status_code == 404
    auth.sign_out()
    assert auth.sign_in(enrolled.email, enrolled.password).headers["Location"] == CHALLENGE


def test_password_change_revokes_trusted_devices(client, auth, enrolled, clock):
    trust_this_browser(client, auth, enrolled, clock)
    auth.sign_in(enrolled.email, enrolled.password)
    submit(
        client,
        "/account/password",
        {"current_password": PASSWORD, "password": NEW_PASSWORD, "confirm": NEW_PASSWORD},
    )
    auth.sign_out()
    assert auth.sign_in(enrolled.email, NEW_PASSWORD).headers["Location"] == CHALLENGE


def test_password_reset_revokes_trusted_devices(client, auth, enrolled, clock, outbox):
    trust_this_browser(client, auth, enrolled, clock)
    submit(client, "/reset", {"email": enrolled.email})
    link = link_in(outbox(enrolled.email)[-1], "/reset/")
    submit(client, link, {"password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert auth.sign_in(enrolled.email, NEW_PASSWORD).headers["Location"] == CHALLENGE


def test_trust_expires_after_30_days(client, auth, enrolled, clock):
    trust_this_browser(client, auth, enrolled, clock)
    clock.shift(timedelta(days=30))
    assert auth.sign_in(enrolled.email, enrolled.password).headers["Location"] == CHALLENGE


def test_tampered_cookie_is_ignored(accounts_app, client, auth, enrolled, clock):
    trust_this_browser(client, auth, enrolled, clock)
    name = device_cookie_name(accounts_app)
    value = client.get_cookie(name).value
    client.set_cookie(name, value[:-2] + ("AA" if not value.endswith("AA") else "BB"))
    assert auth.sign_in(enrolled.email, enrolled.password).headers["Location"] == CHALLENGE


def test_one_users_trust_does_not_skip_for_another(accounts_app, client, auth, enrolled, clock, make_user):
    trust_this_browser(client, auth, enrolled, clock)
    make_user("carol@example.com", name="Carol")
    enrol(accounts_app, user_id(accounts_app, "carol@example.com"))
    assert auth.sign_in("carol@example.com", PASSWORD).headers["Location"] == CHALLENGE


def test_without_the_tick_no_device_is_trusted(accounts_app, client, auth, enrolled):
    auth.sign_in(enrolled.email, enrolled.password)
    response = second_step(client, code_now(enrolled.secret))
    assert not any(h.startswith(device_cookie_name(accounts_app)) for h in response.headers.getlist("Set-Cookie"))
