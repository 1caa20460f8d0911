"""Passkey rules with the database (accounts/passkeys/services.py): challenges spent once, credentials scoped."""

from datetime import timedelta

import pytest
from sqlalchemy import select

from accounts.audit.events import Origin
from accounts.audit.models import SecurityEvent
from accounts.extensions import db
from accounts.identity.models import User
from accounts.passkeys import services
from accounts.passkeys.ceremonies import PasskeyError
from accounts.passkeys.challenges import CHALLENGE_LIFETIME
from accounts.passkeys.models import PasskeyChallenge
from common.clock import utcnow
from tests.accounts.passkeys.authenticator import SoftwareAuthenticator
from tests.accounts.passkeys.conftest import RP
from tests.conftest import PASSWORD

ORIGIN = Origin(ip="127.0.0.1", user_agent="test")


@pytest.fixture
def ctx(accounts_app, make_user):
    """An app context with Alice in it."""
    make_user("alice@example.com")
    with accounts_app.app_context():
        yield db.session.scalar(select(User).where(User.email == "alice@example.com"))


def register(user, authenticator, name="Laptop"):
    challenge, options = services.start_registration(user, RP, now=utcnow())
    passkey = services.finish_registration(
        user, RP, authenticator.create(options), challenge=challenge, name=name, origin=ORIGIN, now=utcnow()
    )
    db.session.commit()
    return passkey


def test_registration_stores_the_passkey_and_its_event(ctx, authenticator):
    passkey = register(ctx, authenticator)
    assert [p.name for p in services.passkeys_of(ctx.id)] == ["Laptop"]
    assert passkey.credential_id == next(iter(authenticator.credentials))
    assert services.amr_for(passkey) == ["hwk", "user"]
    events = db.session.scalars(select(SecurityEvent.event_type).where(SecurityEvent.actor_id == ctx.id)).all()
    assert events == ["passkey.registered"]


def test_a_synced_passkey_signs_in_as_software_key(ctx):
    synced = SoftwareAuthenticator(origin=RP.origin, rp_id=RP.id, backup_eligible=True)
    assert services.amr_for(register(ctx, synced)) == ["swk", "user"]


def test_a_discoverable_sign_in_finds_the_passkey_and_moves_its_counter(ctx, authenticator):
    register(ctx, authenticator)
    challenge, options = services.start_sign_in(RP, user_id=None, now=utcnow())
    passkey = services.finish_sign_in(RP, authenticator.get(options), challenge=challenge, user_id=None, now=utcnow())
    assert (passkey.user_id, passkey.sign_count, passkey.last_used_at is not None) == (ctx.id, 1, True)


def test_a_challenge_is_spent_by_its_first_answer(ctx, authenticator):
    register(ctx, authenticator)
    challenge, options = services.start_sign_in(RP, user_id=None, now=utcnow())
    response = authenticator.get(options)
    services.finish_sign_in(RP, response, challenge=challenge, user_id=None, now=utcnow())
    with pytest.raises(PasskeyError, match="already used"):
        services.finish_sign_in(RP, response, challenge=challenge, user_id=None, now=utcnow())


def test_an_expired_challenge_is_refused(ctx, authenticator):
    register(ctx, authenticator)
    challenge, options = services.start_sign_in(RP, user_id=None, now=utcnow())
    later = utcnow() + CHALLENGE_LIFETIME + timedelta(seconds=1)
    with pytest.raises(PasskeyError, match="expired"):
        services.finish_sign_in(RP, authenticator.get(options), challenge=challenge, user_id=None, now=later)


def test_a_registration_challenge_does_not_answer_a_sign_in(ctx, authenticator):
    register(ctx, authenticator)
    challenge, options = services.start_registration(ctx, RP, now=utcnow())
    with pytest.raises(PasskeyError):
        services.finish_sign_in(RP, authenticator.get(options), challenge=challenge, user_id=None, now=utcnow())


def test_an_unknown_credential_is_refused(ctx, authenticator):
    register(ctx, authenticator)
    stranger = SoftwareAuthenticator(origin=RP.origin, rp_id=RP.id)
    stranger.create({"user": {"id": "AAAA"}, "challenge": "AAAA"})  # made, never registered here
    challenge, options = services.start_sign_in(RP, user_id=None, now=utcnow())
    with pytest.raises(PasskeyError, match="not registered"):
        services.finish_sign_in(RP, stranger.get(options), challenge=challenge, user_id=None, now=utcnow())


def test_a_second_step_takes_only_the_users_own_passkey(ctx, make_user, authenticator):
    register(ctx, authenticator)
    bob = make_user("bob@example.com")
    challenge, options = services.start_sign_in(RP, user_id=bob.id, now=utcnow())
    with pytest.raises(PasskeyError):
        services.finish_sign_in(RP, authenticator.get(options), challenge=challenge, user_id=bob.id, now=utcnow())


def test_a_counter_that_went_back_is_refused_and_not_stored(ctx, authenticator):
    passkey = register(ctx, authenticator)
    passkey.sign_count = 10
    db.session.commit()
    challenge, options = services.start_sign_in(RP, user_id=None, now=utcnow())
    with pytest.raises(PasskeyError, match="sign count"):
        services.finish_sign_in(RP, authenticator.get(options), challenge=challenge, user_id=None, now=utcnow())
    db.session.rollback()
    assert services.passkeys_of(ctx.id)[0].sign_count == 10


def test_the_same_credential_cannot_be_registered_twice(ctx, authenticator):
    register(ctx, authenticator)
    challenge, options = services.start_registration(ctx, RP, now=utcnow())
    response = authenticator.create(options, credential_id=next(iter(authenticator.credentials)))
    with pytest.raises(PasskeyError):
        services.finish_registration(ctx, RP, response, challenge=challenge, name="Again", origin=ORIGIN, now=utcnow())


@pytest.mark.parametrize(("name", "stored"), [("  My   phone ", "My phone"), ("x" * 60, "x" * 60)])
def test_rename_cleans_the_name(ctx, authenticator, name, stored):
    passkey = register(ctx, authenticator)
    assert services.rename(ctx.id, passkey.id, name).name == stored


@pytest.mark.parametrize("name", ["", "   ", None, "x" * 61])
def test_a_bad_name_is_refused(ctx, authenticator, name):
    passkey = register(ctx, authenticator)
    with pytest.raises(PasskeyError):
        services.rename(ctx.id, passkey.id, name)


def test_remove_needs_the_password_and_only_touches_the_users_own(ctx, make_user, authenticator, accounts_app):
    passkey = register(ctx, authenticator)
    params = accounts_app.config["ARGON2_PARAMETERS"]
    with pytest.raises(PasskeyError, match="password"):
        services.remove(ctx, passkey.id, "wrong", params=params, origin=ORIGIN, now=utcnow())
    bob = db.session.get(User, make_user("bob@example.com").id)
    assert services.remove(bob, passkey.id, PASSWORD, params=params, origin=ORIGIN, now=utcnow()) is False
    assert services.remove(ctx, passkey.id, PASSWORD, params=params, origin=ORIGIN, now=utcnow()) is True
    db.session.commit()
    assert services.passkeys_of(ctx.id) == []


def test_issuing_sweeps_expired_challenges(ctx):
    services.start_sign_in(RP, user_id=None, now=utcnow())
    services.start_sign_in(RP, user_id=None, now=utcnow() + CHALLENGE_LIFETIME)
    assert len(db.session.scalars(select(PasskeyChallenge)).all()) == 1
