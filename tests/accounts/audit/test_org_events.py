"""Every change in an organization is a security event of that org, about the member concerned."""

from sqlalchemy import select

from accounts.audit.verify import verify_chain
from accounts.extensions import db
from accounts.orgs.models import Invitation
from tests.accounts.audit.conftest import chain, of_type
from tests.conftest import link_in, submit

ORG_PAGE = "/orgs/initech"


def post(browser, url: str, data: dict | None = None, form_url: str = ORG_PAGE):
    """Send a form of the org page as that browser's user."""
    return submit(browser, url, data or {}, form_url=form_url)


def last(app, event_type: str):
    """The newest entry of a type (there must be one)."""
    found = of_type(app, event_type)
    assert found, f"no {event_type} event was recorded"
    return found[-1]


def invite_erin(initech, signed_in, outbox, role: str = "member") -> str:
    """Bob invites erin@example.com; returns the path of the emailed link."""
    post(signed_in(initech.bob), f"{ORG_PAGE}/invitations", {"email": "erin@example.com", "role": role})
    return link_in(outbox("erin@example.com")[-1], "/invitations/")


def test_creating_renaming_and_deleting_an_org(accounts_app, initech, signed_in):
    alice = signed_in(initech.alice)
    post(alice, "/orgs/", {"name": "Umbrella", "slug": "umbrella"}, form_url="/orgs/")
    created = last(accounts_app, "org.created")
    assert created.actor_id == initech.alice.id and created.details == {"name": "Umbrella", "slug": "umbrella"}
    assert created.ip == "127.0.0.1" and created.user_agent.startswith("Werkzeug")
    post(alice, "/orgs/umbrella/rename", {"name": "Umbrella Corp"}, form_url="/orgs/umbrella")
    renamed = last(accounts_app, "org.renamed")
    assert (renamed.org_id, renamed.details) == (created.org_id, {"from": "Umbrella", "to": "Umbrella Corp"})
    post(alice, "/orgs/umbrella/delete", {"confirm": "umbrella"}, form_url="/orgs/umbrella")
    deleted = last(accounts_app, "org.deleted")
    assert (deleted.org_id, deleted.actor_id) == (created.org_id, initech.alice.id)
    assert deleted.details == {"name": "Umbrella Corp", "slug": "umbrella"}


def test_role_changes_name_the_member_and_both_roles(accounts_app, initech, signed_in):
    post(signed_in(initech.alice), f"{ORG_PAGE}/members/{initech.carol.id}/role", {"role": "admin"})
    event = last(accounts_app, "org.role_changed")
    assert (event.org_id, event.actor_id, event.subject_id) == (initech.id, initech.alice.id, initech.carol.id)
    assert event.details == {"from": "member", "to": "admin"}


def test_removing_and_leaving_are_told_apart(accounts_app, initech, signed_in):
    post(signed_in(initech.bob), f"{ORG_PAGE}/members/{initech.carol.id}/remove")
    removed = last(accounts_app, "org.member_removed")
    assert (removed.org_id, removed.actor_id, removed.subject_id) == (initech.id, initech.bob.id, initech.carol.id)
    post(signed_in(initech.bob), f"{ORG_PAGE}/leave")
    left = last(accounts_app, "org.member_left")
    assert (left.org_id, left.actor_id, left.subject_id, left.details) == (
        initech.id,
        initech.bob.id,
        initech.bob.id,
        {"role": "admin"},
    )


def test_transferring_ownership(accounts_app, initech, signed_in):
    post(signed_in(initech.alice), f"{ORG_PAGE}/members/{initech.bob.id}/transfer", {"confirm": "initech"})
    event = last(accounts_app, "org.ownership_transferred")
    assert (event.org_id, event.actor_id, event.subject_id) == (initech.id, initech.alice.id, initech.bob.id)


def test_a_refused_action_records_nothing(accounts_app, initech, signed_in):
    carol, alice = signed_in(initech.carol), signed_in(initech.alice)
    before = len(chain(accounts_app))
    post(carol, f"{ORG_PAGE}/members/{initech.bob.id}/remove")
    post(alice, f"{ORG_PAGE}/leave")
    assert len(chain(accounts_app)) == before


def test_invitations_sent_accepted_and_revoked(accounts_app, initech, signed_in, person, outbox):
    erin = person("erin@example.com", "Erin")
    link = invite_erin(initech, signed_in, outbox)
    sent = last(accounts_app, "org.invitation_sent")
    assert (sent.org_id, sent.actor_id, sent.subject_id) == (initech.id, initech.bob.id, erin.id)
    assert sent.details["email"] == "erin@example.com" and sent.details["role"] == "member"
    submit(signed_in(erin), f"{link}/accept", {}, form_url=link)
    accepted = last(accounts_app, "org.invitation_accepted")
    assert (accepted.org_id, accepted.actor_id, accepted.subject_id) == (initech.id, erin.id, erin.id)
    assert accepted.details["invitation_id"] == sent.details["invitation_id"]

    response = post(signed_in(initech.bob), f"{ORG_PAGE}/invitations", {"email": "finn@example.com"})
    assert response.status_code == 303
    with accounts_app.app_context():
        pending = db.session.scalar(select(Invitation).where(Invitation.email == "finn@example.com"))
        pending_id = pending.id
    post(signed_in(initech.alice), f"{ORG_PAGE}/invitations/{pending_id}/revoke")
    revoked = last(accounts_app, "org.invitation_revoked")
    assert (revoked.org_id, revoked.actor_id, revoked.subject_id) == (initech.id, initech.alice.id, None)
    assert revoked.details["email"] == "finn@example.com"


def test_declining_an_invitation(accounts_app, initech, signed_in, person, outbox):
    erin = person("erin@example.com", "Erin")
    link = invite_erin(initech, signed_in, outbox)
    submit(signed_in(erin), f"{link}/decline", {}, form_url=link)
    declined = last(accounts_app, "org.invitation_declined")
    assert (declined.org_id, declined.actor_id, declined.subject_id) == (initech.id, erin.id, erin.id)


def test_the_org_events_chain_verifies(accounts_app, initech, signed_in):
    post(signed_in(initech.alice), f"{ORG_PAGE}/members/{initech.carol.id}/role", {"role": "admin"})
    post(signed_in(initech.alice), f"{ORG_PAGE}/members/{initech.carol.id}/remove")
    with accounts_app.app_context():
        assert verify_chain(db.session).ok
