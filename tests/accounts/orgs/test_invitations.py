"""Invitations end to end through the pages and the outbox: single-use, expiring, addressed, never above the inviter."""

import html
from datetime import timedelta

import time_machine
from sqlalchemy import select

from accounts.extensions import db
from accounts.orgs.models import Invitation
from accounts.orgs.rules import MESSAGES, Reason
from common.clock import utcnow
from tests.conftest import csrf_token, link_in, submit

ORG_PAGE = "/orgs/initech"


def invite(browser, email: str, role: str = "member"):
    """Send the invite form of Initech's page as that browser's user."""
    return submit(browser, f"{ORG_PAGE}/invitations", {"email": email, "role": role}, form_url=ORG_PAGE)


def text(browser, url: str) -> str:
    """The page at url as the user reads it (entities decoded)."""
    return html.unescape(browser.get(url).get_data(as_text=True))


def invitation_link(outbox, email: str) -> str:
    """The path of the newest invitation link mailed to email."""
    return link_in(outbox(email)[-1], "/invitations/")


def answer(browser, link: str, what: str):
    """Press Accept or Decline on the invitation page."""
    return submit(browser, f"{link}/{what}", {}, form_url=link)


def test_invite_mails_a_link_the_invitee_accepts(initech, signed_in, person, outbox, roles):
    alice = signed_in(initech.alice)
    response = invite(alice, "Erin@Example.com", "admin")
    assert response.status_code == 303
    assert response.headers["Location"] == ORG_PAGE
    page = text(alice, ORG_PAGE)
    assert "Invited erin@example.com as admin." in page
    assert "erin@example.com" in page.split("Pending invitations")[1]

    (mail,) = outbox("erin@example.com")
    assert "Alice (alice@example.com) invited you" in mail.body
    assert "“Initech”" in mail.body and "as admin" in mail.body and "within 7 days" in mail.body
    link = invitation_link(outbox, "erin@example.com")

    erin = signed_in(person("erin@example.com", "Erin"))
    page = text(erin, link)
    assert "Join Initech?" in page and "Accept and join" in page
    response = answer(erin, link, "accept")
    assert response.status_code == 303
    assert response.headers["Location"] == ORG_PAGE
    assert "You joined Initech as admin." in text(erin, ORG_PAGE)
    assert roles(initech.id)["erin@example.com"] == "admin"


def test_only_a_hash_of_the_token_is_stored(accounts_app, initech, signed_in, outbox):
    invite(signed_in(initech.alice), "erin@example.com")
    raw = invitation_link(outbox, "erin@example.com").rsplit("/", 1)[1]
    with accounts_app.app_context():
        stored = db.session.scalar(select(Invitation))
        assert stored.token_hash != raw and raw not in stored.token_hash
        assert len(raw) >= 43  # 256 random bits


def test_a_link_works_once(initech, signed_in, person, outbox, roles):
    invite(signed_in(initech.alice), "erin@example.com")
    link = invitation_link(outbox, "erin@example.com")
    erin = signed_in(person("erin@example.com", "Erin"))
    assert answer(erin, link, "accept").status_code == 303

    response = erin.get(link)
    assert response.status_code == 410
    assert MESSAGES[Reason.INVITATION_USED] in html.unescape(response.get_data(as_text=True))
    # The page has no buttons any more; a replayed POST is refused all the same.
    token = csrf_token(erin, ORG_PAGE)
    response = erin.post(f"{link}/decline", data={"csrf_token": token})
    assert response.status_code == 303
    assert MESSAGES[Reason.INVITATION_USED] in text(erin, ORG_PAGE)
    assert roles(initech.id)["erin@example.com"] == "member"


def test_decline_uses_up_the_link_and_joins_nothing(initech, signed_in, person, outbox, roles, invitations):
    invite(signed_in(initech.alice), "erin@example.com")
    link = invitation_link(outbox, "erin@example.com")
    erin = signed_in(person("erin@example.com", "Erin"))
    response = answer(erin, link, "decline")
    assert response.status_code == 303
    assert response.headers["Location"] == "/orgs/"
    assert "You declined the invitation to Initech." in text(erin, "/orgs/")
    assert "erin@example.com" not in roles(initech.id)
    assert invitations(initech.id)[0].declined_at is not None
    assert erin.get(link).status_code == 410
    assert erin.get(ORG_PAGE).status_code == 404


def test_an_expired_link_is_refused(initech, signed_in, person, outbox, roles):
    invite(signed_in(initech.alice), "erin@example.com")
    link = invitation_link(outbox, "erin@example.com")
    erin_user = person("erin@example.com", "Erin")
    with time_machine.travel(utcnow() + timedelta(days=7, seconds=1)):
        erin = signed_in(erin_user)
        response = erin.get(link)
        assert response.status_code == 410
        assert MESSAGES[Reason.INVITATION_EXPIRED] in html.unescape(response.get_data(as_text=True))
        response = erin.post(f"{link}/accept", data={"csrf_token": csrf_token(erin, "/orgs/")})
        assert response.status_code == 303
        assert MESSAGES[Reason.INVITATION_EXPIRED] in text(erin, "/orgs/")
    assert "erin@example.com" not in roles(initech.id)


def test_a_link_is_still_good_just_before_it_expires(initech, signed_in, person, outbox, roles):
    invite(signed_in(initech.alice), "erin@example.com")
    link = invitation_link(outbox, "erin@example.com")
    erin_user = person("erin@example.com", "Erin")
    with time_machine.travel(utcnow() + timedelta(days=6, hours=23)):
        assert answer(signed_in(erin_user), link, "accept").status_code == 303
    assert roles(initech.id)["erin@example.com"] == "member"


def test_a_revoked_link_is_refused(initech, signed_in, person, outbox, roles, invitations):
    bob = signed_in(initech.bob)
    invite(bob, "erin@example.com")
    link = invitation_link(outbox, "erin@example.com")
    erin = signed_in(person("erin@example.com", "Erin"))
    accept_token = csrf_token(erin, link)

    (pending,) = invitations(initech.id)
    response = submit(bob, f"{ORG_PAGE}/invitations/{pending.id}/revoke", {}, form_url=ORG_PAGE)
    assert response.status_code == 303
    assert "Withdrew the invitation to erin@example.com." in text(bob, ORG_PAGE)

    response = erin.get(link)
    assert response.status_code == 410
    assert MESSAGES[Reason.INVITATION_REVOKED] in html.unescape(response.get_data(as_text=True))
    erin.post(f"{link}/accept", data={"csrf_token": accept_token})
    assert "erin@example.com" not in roles(initech.id)


def test_inviting_again_replaces_the_pending_link(initech, signed_in, person, outbox, roles):
    alice = signed_in(initech.alice)
    invite(alice, "erin@example.com")
    first = invitation_link(outbox, "erin@example.com")
    invite(alice, "erin@example.com", "admin")
    second = invitation_link(outbox, "erin@example.com")
    assert first != second
    erin = signed_in(person("erin@example.com", "Erin"))
    assert erin.get(first).status_code == 410
    answer(erin, second, "accept")
    assert roles(initech.id)["erin@example.com"] == "admin"


def test_someone_else_cannot_use_the_link(initech, signed_in, person, outbox, roles, invitations):
    invite(signed_in(initech.alice), "erin@example.com")
    link = invitation_link(outbox, "erin@example.com")

    dave = signed_in(initech.dave)
    page = text(dave, link)
    assert "this invitation was sent to another address" in page
    assert "Accept and join" not in page
    token = csrf_token(dave, link)
    for what in ("accept", "decline"):
        response = dave.post(f"{link}/{what}", data={"csrf_token": token})
        assert response.status_code == 303
        assert response.headers["Location"] == link
        assert MESSAGES[Reason.WRONG_USER] in text(dave, link)
    assert "dave@example.com" not in roles(initech.id)
    # Still pending for the person it was meant for.
    (pending,) = invitations(initech.id)
    assert pending.accepted_at is None and pending.declined_at is None
    erin = signed_in(person("erin@example.com", "Erin"))
    answer(erin, link, "accept")
    assert roles(initech.id)["erin@example.com"] == "member"


def test_anonymous_visitors_see_the_invitation_and_are_sent_to_sign_in(client, initech, signed_in, outbox):
    invite(signed_in(initech.alice), "erin@example.com")
    link = invitation_link(outbox, "erin@example.com")
    page = text(client, link)
    assert "Sign in as <strong>erin@example.com</strong> to answer this invitation" in page
    assert "Accept and join" not in page
    token = csrf_token(client, "/sign-in")
    response = client.post(f"{link}/accept", data={"csrf_token": token})
    assert response.status_code == 303
    assert response.headers["Location"].startswith("/sign-in?next=/invitations/")


def test_an_admin_cannot_invite_an_owner(initech, signed_in, outbox, invitations):
    bob = signed_in(initech.bob)
    assert 'value="owner"' not in bob.get(ORG_PAGE).get_data(as_text=True)  # not offered
    response = invite(bob, "erin@example.com", "owner")  # and refused when forged
    assert response.status_code == 303
    page = text(bob, ORG_PAGE)
    assert MESSAGES[Reason.ROLE_ABOVE_OWN] in page
    assert 'value="erin@example.com"' in page  # what was typed is kept
    assert outbox("erin@example.com") == []
    assert invitations(initech.id) == []


def test_an_admin_may_invite_admins_and_an_owner_owners(initech, signed_in, outbox, invitations):
    invite(signed_in(initech.bob), "erin@example.com", "admin")
    invite(signed_in(initech.alice), "frank@example.com", "owner")
    assert [(i.email, i.role) for i in invitations(initech.id)] == [
        ("erin@example.com", "admin"),
        ("frank@example.com", "owner"),
    ]


def test_a_member_cannot_invite(initech, signed_in, outbox, invitations):
    carol = signed_in(initech.carol)
    assert "Invite someone" not in carol.get(ORG_PAGE).get_data(as_text=True)
    token = csrf_token(carol, ORG_PAGE)
    response = carol.post(f"{ORG_PAGE}/invitations", data={"csrf_token": token, "email": "e@example.com"})
    assert response.status_code == 303
    assert MESSAGES[Reason.MEMBERS_CANNOT_MANAGE] in text(carol, ORG_PAGE)
    assert outbox("e@example.com") == []
    assert invitations(initech.id) == []


def test_inviting_a_member_says_so(initech, signed_in, invitations):
    alice = signed_in(initech.alice)
    invite(alice, "CAROL@example.com")
    assert MESSAGES[Reason.ALREADY_MEMBER] in text(alice, ORG_PAGE)
    assert invitations(initech.id) == []


def test_a_bad_email_is_shown_with_what_was_typed(initech, signed_in, invitations):
    alice = signed_in(initech.alice)
    response = invite(alice, "not-an-email")
    assert response.status_code == 303
    page = text(alice, ORG_PAGE)
    assert "Enter a valid email address." in page
    assert 'value="not-an-email"' in page
    assert invitations(initech.id) == []


def test_nobody_invites_into_a_personal_space(initech, signed_in, outbox):
    dave = signed_in(initech.dave)
    personal = f"/orgs/personal-{initech.dave.id}"
    assert "Invite someone" not in dave.get(personal).get_data(as_text=True)
    token = csrf_token(dave, personal)
    response = dave.post(f"{personal}/invitations", data={"csrf_token": token, "email": "e@example.com"})
    assert response.status_code == 303
    assert MESSAGES[Reason.PERSONAL_SPACE] in text(dave, personal)
    assert outbox("e@example.com") == []


def test_an_admin_cannot_withdraw_an_owner_invitation(initech, signed_in, invitations):
    invite(signed_in(initech.alice), "erin@example.com", "owner")
    (pending,) = invitations(initech.id)
    bob = signed_in(initech.bob)
    response = submit(bob, f"{ORG_PAGE}/invitations/{pending.id}/revoke", {}, form_url=ORG_PAGE)
    assert response.status_code == 303
    assert MESSAGES[Reason.ADMINS_CANNOT_TOUCH_OWNERS] in text(bob, ORG_PAGE)
    assert invitations(initech.id)[0].revoked_at is None


def test_an_invitation_of_another_org_is_not_found(initech, signed_in, person, invitations):
    alice = signed_in(initech.alice)
    invite(alice, "erin@example.com")
    (pending,) = invitations(initech.id)
    # Dave runs his own org and tries to withdraw Initech's invitation through it.
    dave = signed_in(initech.dave)
    submit(dave, "/orgs/", {"name": "Dave Co", "slug": "dave-co"})
    response = submit(dave, f"/orgs/dave-co/invitations/{pending.id}/revoke", {}, form_url="/orgs/dave-co")
    assert response.status_code == 404
    assert invitations(initech.id)[0].revoked_at is None


def test_an_invitation_lapses_when_its_inviter_loses_the_rights(initech, signed_in, person, outbox, roles):
    invite(signed_in(initech.bob), "erin@example.com", "admin")
    link = invitation_link(outbox, "erin@example.com")
    alice = signed_in(initech.alice)
    submit(alice, f"{ORG_PAGE}/members/{initech.bob.id}/role", {"role": "member"}, form_url=ORG_PAGE)
    assert roles(initech.id)["bob@example.com"] == "member"

    erin = signed_in(person("erin@example.com", "Erin"))
    answer(erin, link, "accept")
    assert MESSAGES[Reason.INVITER_LOST_RIGHTS] in text(erin, link)
    assert "erin@example.com" not in roles(initech.id)


def test_an_unknown_link_is_not_found(client):
    for link in ("/invitations/nope", "/invitations/" + "x" * 500):
        response = client.get(link)
        assert response.status_code == 404
        assert "This invitation link is not valid" in response.get_data(as_text=True)


def test_accepting_an_unknown_link_is_not_found(initech, signed_in):
    dave = signed_in(initech.dave)
    token = csrf_token(dave, "/orgs/")
    assert dave.post("/invitations/nope/accept", data={"csrf_token": token}).status_code == 404


def test_invitations_are_rate_limited(accounts_app, initech, signed_in, outbox):
    accounts_app.config["RATELIMIT_INVITE"] = "2 per hour"
    alice = signed_in(initech.alice)
    assert invite(alice, "a1@example.com").status_code == 303
    assert invite(alice, "a2@example.com").status_code == 303
    assert invite(alice, "a3@example.com").status_code == 429
    assert outbox("a3@example.com") == []


def test_an_invitation_to_a_test_address_is_sent_like_sign_up_accepts_it(initech, signed_in, outbox):
    alice = signed_in(initech.alice)
    invite(alice, "erin@gatehouse.test")
    assert "Invited erin@gatehouse.test as member." in text(alice, ORG_PAGE)
    assert outbox("erin@gatehouse.test")


def test_a_fullwidth_lookalike_invitation_goes_to_the_same_address(initech, signed_in, outbox):
    alice = signed_in(initech.alice)
    invite(alice, "ｅｒｉｎ@example.com")
    assert "Invited erin@example.com as member." in text(alice, ORG_PAGE)
