"""Magic-link rules with the database (accounts/magic_links/services.py): who gets a link, when it signs in."""

from datetime import timedelta

import pytest
from sqlalchemy import select

from accounts.audit.events import Origin
from accounts.audit.models import SecurityEvent
from accounts.extensions import db
from accounts.identity.models import User
from accounts.magic_links import services
from accounts.magic_links.models import MagicLink
from accounts.mfa.lockout import LockoutPolicy
from accounts.mfa.models import SecondFactorFailure
from common.clock import utcnow
from common.server_session import hash_token

ORIGIN = Origin(ip="127.0.0.1", user_agent="test")
LIFETIME = timedelta(minutes=10)
LOCKOUT = LockoutPolicy(limit=3, window=timedelta(minutes=15))
BROWSER = "b" * 43
OTHER_BROWSER = "c" * 43


@pytest.fixture
def ctx(accounts_app, make_user):
    """An app context with Alice in it."""
    make_user("alice@example.com")
    with accounts_app.app_context():
        yield db.session.scalar(select(User).where(User.email == "alice@example.com"))


def request(email="alice@example.com", *, browser=BROWSER, next_url="/", now=None):
    requested = services.request_link(
        email,
        browser=browser,
        next_url=next_url,
        lifetime=LIFETIME,
        lockout=LOCKOUT,
        origin=ORIGIN,
        now=now or utcnow(),
    )
    db.session.commit()
    return requested


def event_types() -> list[str]:
    return list(db.session.scalars(select(SecurityEvent.event_type).order_by(SecurityEvent.id)))


def refusal(call) -> str:
    with pytest.raises(services.LinkRefused) as refused:
        call()
    return refused.value.reason


def test_a_confirmed_account_gets_a_link_and_only_hashes_are_stored(ctx):
    requested = request(next_url="/sessions/")
    (link,) = db.session.scalars(select(MagicLink))
    assert requested.user.id == ctx.id
    assert (link.token_hash, link.browser_hash) == (hash_token(requested.token), hash_token(BROWSER))
    assert requested.token not in repr(vars(link)) and BROWSER not in repr(vars(link))
    assert (link.email, link.next_url, link.expires_at - link.created_at) == (
        "alice@example.com",
        "/sessions/",
        LIFETIME,
    )
    assert event_types() == ["signin.link_requested"]


def test_an_unknown_address_gets_nothing_and_leaves_no_trace(ctx):
    assert request("nobody@example.com") is None
    assert db.session.scalars(select(MagicLink)).all() == []
    assert event_types() == []


def test_the_address_is_matched_as_sign_in_matches_it(ctx):
    assert request("  Alice@Example.COM ") is not None


@pytest.mark.parametrize("state", ["unconfirmed", "banned", "locked out"])
def test_an_unconfirmed_banned_or_locked_out_account_gets_no_link(ctx, state):
    now = utcnow()
    if state == "unconfirmed":
        ctx.email_verified_at = None
    elif state == "banned":
        ctx.banned_at = now
    else:
        db.session.add_all(SecondFactorFailure(user_id=ctx.id, failed_at=now) for _ in range(LOCKOUT.limit))
    db.session.commit()
    assert request() is None
    assert db.session.scalars(select(MagicLink)).all() == []


def test_an_expired_ban_no_longer_stops_a_link(ctx):
    ctx.banned_at, ctx.banned_until = utcnow() - timedelta(days=2), utcnow() - timedelta(days=1)
    db.session.commit()
    assert request() is not None


def test_a_link_signs_in_once(ctx):
    token = request(next_url="/orgs/").token
    user, next_url = services.spend_link(token, BROWSER, origin=ORIGIN, now=utcnow())
    db.session.commit()
    assert (user.id, next_url) == (ctx.id, "/orgs/")
    assert refusal(lambda: services.spend_link(token, BROWSER, origin=ORIGIN, now=utcnow())) == services.USED
    assert refusal(lambda: services.check_link(token, BROWSER, utcnow())) == services.USED
    assert event_types() == ["signin.link_requested", "signin.link_used"]


def test_checking_a_link_spends_nothing(ctx):
    token = request().token
    services.check_link(token, BROWSER, utcnow())
    services.check_link(token, BROWSER, utcnow())
    assert db.session.scalar(select(MagicLink.used_at)) is None


def test_a_link_expires_after_its_lifetime(ctx):
    issued = utcnow()
    token = request(now=issued).token
    services.check_link(token, BROWSER, issued + LIFETIME - timedelta(seconds=1))
    later = issued + LIFETIME
    assert refusal(lambda: services.check_link(token, BROWSER, later)) == services.EXPIRED
    assert refusal(lambda: services.spend_link(token, BROWSER, origin=ORIGIN, now=later)) == services.EXPIRED


@pytest.mark.parametrize("browser", [OTHER_BROWSER, None, "", "x" * 500, "not a value!"])
def test_another_browser_is_refused_and_the_link_stays_good(ctx, browser):
    token = request().token
    assert refusal(lambda: services.spend_link(token, browser, origin=ORIGIN, now=utcnow())) == services.OTHER_BROWSER
    assert db.session.scalar(select(MagicLink.used_at)) is None
    assert services.spend_link(token, BROWSER, origin=ORIGIN, now=utcnow())[0].id == ctx.id


@pytest.mark.parametrize("token", ["", "a" * 43, "x" * 10_000, "../../etc", "é" * 20, "%00"])
def test_unknown_or_malformed_tokens_are_unknown(ctx, token):
    request()
    with pytest.raises(services.LinkRefused) as refused:
        services.check_link(token, BROWSER, utcnow())
    assert (refused.value.reason, refused.value.user_id) == (services.UNKNOWN, None)


def test_a_user_banned_after_the_mail_is_refused(ctx):
    token = request().token
    ctx.banned_at = utcnow()
    db.session.commit()
    assert refusal(lambda: services.spend_link(token, BROWSER, origin=ORIGIN, now=utcnow())) == services.BANNED


def test_a_link_dies_when_the_account_moves_to_another_address(ctx):
    token = request().token
    ctx.email = "alice.new@example.com"
    db.session.commit()
    assert refusal(lambda: services.spend_link(token, BROWSER, origin=ORIGIN, now=utcnow())) == services.UNKNOWN


def test_refusals_of_known_links_are_audited_for_their_account(ctx):
    services.record_refusal(services.LinkRefused(services.EXPIRED, ctx.id), origin=ORIGIN, now=utcnow())
    services.record_refusal(services.LinkRefused(services.UNKNOWN), origin=ORIGIN, now=utcnow())
    db.session.commit()
    (failed,) = db.session.scalars(select(SecurityEvent))
    assert (failed.event_type, failed.actor_id, failed.details) == (
        "signin.failed",
        ctx.id,
        {"why": "magic-link-expired"},
    )


def test_a_browser_keeps_its_value_and_a_new_browser_gets_a_random_one():
    assert services.browser_value(BROWSER) == BROWSER
    fresh = {services.browser_value(None), services.browser_value("bad value"), services.browser_value("x" * 500)}
    assert len(fresh) == 3 and all(services.is_well_formed(v) and len(v) >= 43 for v in fresh)


def test_expired_links_are_purged(ctx):
    request(now=utcnow() - timedelta(hours=1))
    request()
    assert services.purge_expired(utcnow()) == 1
    assert len(db.session.scalars(select(MagicLink)).all()) == 1
