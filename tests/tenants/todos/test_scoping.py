"""The scoping rules as plain functions: who sees, who changes, and what a claim grants."""

from datetime import datetime

import pytest

from tenants.extensions import db
from tenants.todos import scoping, services
from tenants.todos.models import Todo
from tenants.todos.scoping import Action, Forbidden, Membership, NotFound, Role, Viewer
from tests.tenants.people import ADMIN, AUTHOR, ISSUER, MEMBER, ORG, OTHER_ORG, OUTSIDER, OWNER
from tests.tenants.sql import recorded_sql

NOW = datetime(2026, 1, 1, 12, 0)


def todo(author: str, visibility: str, org: str = ORG, site: str = "acme") -> Todo:
    """A todo that is never saved: the pure rules need no database."""
    return Todo(id="x" * 22, site=site, iss=ISSUER, org_id=org, author_sub=author, title="t", visibility=visibility)


def membership(role: str) -> Membership:
    return Membership(ORG, "initech", "Initech", Role(role))


# --- what the `orgs` claim grants ------------------------------------------------------------

GOOD = {"id": "42", "slug": "initech", "name": "Initech", "role": "admin", "personal": False}


@pytest.mark.parametrize(
    ("entry", "granted"),
    [
        (GOOD, True),
        ({**GOOD, "role": "owner"}, True),
        ({**GOOD, "role": "member"}, True),
        ({**GOOD, "role": "guest"}, False),  # an unknown role grants nothing
        ({**GOOD, "role": "OWNER"}, False),  # roles are exact
        ({**GOOD, "role": ["owner"]}, False),
        ({**GOOD, "role": None}, False),
        ({**GOOD, "id": 42}, False),  # ids are strings in the claim; anything else is malformed
        ({**GOOD, "id": ""}, False),
        ({**GOOD, "id": "4\x002"}, False),
        ({**GOOD, "id": "9" * 256}, False),
        ({k: v for k, v in GOOD.items() if k != "id"}, False),
        ("42", False),
        (None, False),
    ],
)
def test_a_claim_entry_grants_a_membership_only_when_well_formed(entry, granted):
    viewer = scoping.viewer_from_claims(ISSUER, "sub-1", [entry])
    assert (viewer.membership("42") is not None) is granted


def test_a_claim_that_is_not_a_list_grants_nothing():
    assert scoping.memberships_from_claim({"42": "owner"}) == ()
    assert scoping.memberships_from_claim(None) == ()


def test_a_repeated_org_keeps_its_first_role():
    memberships = scoping.memberships_from_claim([GOOD, {**GOOD, "role": "owner"}])
    assert [(m.org_id, m.role) for m in memberships] == [("42", Role.ADMIN)]


def test_the_claims_personal_space_only_when_it_says_true():
    own = scoping.own_personal_space("s").org_id
    assert scoping.viewer_from_claims(ISSUER, "s", [{**GOOD, "personal": "yes"}]).personal_space.org_id == own
    assert scoping.viewer_from_claims(ISSUER, "s", [{**GOOD, "personal": True}]).personal_space.org_id == "42"


@pytest.mark.parametrize("orgs", [None, [], "42", [{"id": "x"}]])
def test_every_viewer_has_a_personal_space_whatever_the_provider_sends(orgs):
    viewer = scoping.viewer_from_claims(ISSUER, "s", orgs)
    assert [m.org_id for m in viewer.memberships] == [scoping.own_personal_space("s").org_id]
    assert viewer.personal_space.role is Role.OWNER


def test_own_personal_spaces_are_per_user_and_no_claim_can_name_one():
    assert scoping.own_personal_space("a").org_id != scoping.own_personal_space("b").org_id
    theirs = scoping.own_personal_space("victim").org_id
    viewer = scoping.viewer_from_claims(ISSUER, "s", [{**GOOD, "id": theirs}])
    assert viewer.membership(theirs) is None


@pytest.mark.parametrize("sub", [None, "", 7, "a\nb", "s" * 256])
def test_an_unusable_sub_gives_no_viewer(sub):
    assert scoping.viewer_from_claims(ISSUER, sub, [GOOD]) is None


@pytest.mark.parametrize("iss", [None, "", 7])
def test_an_unusable_issuer_gives_no_viewer(iss):
    assert scoping.viewer_from_claims(iss, "s", [GOOD]) is None


def test_an_org_outside_the_claim_is_not_found():
    with pytest.raises(NotFound):
        scoping.membership_in(OUTSIDER.viewer, ORG)
    assert scoping.membership_in(MEMBER.viewer, ORG).role is Role.MEMBER


# --- who sees, who changes: the rules as tables ------------------------------------------------


@pytest.mark.parametrize(
    ("author", "visibility", "visible"),
    [("me", "private", True), ("other", "private", False), ("me", "org", True), ("other", "org", True)],
)
def test_private_todos_are_visible_to_their_author_alone(author, visibility, visible):
    assert scoping.is_visible("me", todo(author, visibility)) is visible


@pytest.mark.parametrize(
    ("role", "author", "visibility", "allowed"),
    [
        ("member", "me", "private", True),
        ("member", "me", "org", True),
        ("member", "other", "org", False),
        ("member", "other", "private", False),
        ("admin", "me", "private", True),
        ("admin", "other", "org", True),
        ("admin", "other", "private", False),  # not even admins...
        ("owner", "other", "org", True),
        ("owner", "other", "private", False),  # ...nor owners touch someone's private todo
    ],
)
def test_who_may_change_a_todo(role, author, visibility, allowed):
    assert scoping.may_change(membership(role), "me", todo(author, visibility)) is allowed


@pytest.mark.parametrize(("author", "allowed"), [("me", True), ("other", False)])
def test_only_the_author_sets_visibility(author, allowed):
    assert scoping.may_set_visibility("me", todo(author, "org")) is allowed


@pytest.mark.parametrize(
    ("role", "author", "visibility", "actions"),
    [
        ("member", "other", "org", {Action.READ}),
        ("member", "other", "private", set()),
        ("admin", "other", "org", set(Action)),
        ("member", "me", "private", set(Action)),
    ],
)
def test_allowed_actions_drive_the_buttons(role, author, visibility, actions):
    assert scoping.allowed_actions(membership(role), "me", todo(author, visibility)) == actions


# --- the queries: site, org and visibility in every one ----------------------------------------


@pytest.mark.parametrize(
    ("viewer", "author", "visibility", "action", "outcome"),
    [
        (MEMBER, AUTHOR, "org", Action.READ, "ok"),
        (MEMBER, AUTHOR, "org", Action.UPDATE, Forbidden),
        (MEMBER, AUTHOR, "org", Action.DELETE, Forbidden),
        (MEMBER, AUTHOR, "org", Action.TOGGLE, Forbidden),
        (MEMBER, AUTHOR, "private", Action.READ, NotFound),
        (MEMBER, AUTHOR, "private", Action.DELETE, NotFound),
        (ADMIN, AUTHOR, "org", Action.UPDATE, "ok"),
        (ADMIN, AUTHOR, "private", Action.READ, NotFound),
        (OWNER, AUTHOR, "org", Action.DELETE, "ok"),
        (OWNER, AUTHOR, "private", Action.READ, NotFound),
        (OWNER, AUTHOR, "private", Action.UPDATE, NotFound),
        (AUTHOR, AUTHOR, "private", Action.DELETE, "ok"),
        (OUTSIDER, AUTHOR, "org", Action.READ, NotFound),
    ],
)
def test_load_todo(in_acme, write_todo, viewer, author, visibility, action, outcome):
    todo_id = write_todo(in_acme, author, visibility)
    if outcome == "ok":
        assert scoping.load_todo(db.session, "acme", viewer.viewer, ORG, todo_id, action).id == todo_id
    else:
        with pytest.raises(outcome):
            scoping.load_todo(db.session, "acme", viewer.viewer, ORG, todo_id, action)


def test_the_same_id_on_another_site_is_not_found(in_acme, write_todo):
    todo_id = write_todo(in_acme, AUTHOR, "org")
    with pytest.raises(NotFound):
        scoping.load_todo(db.session, "globex", OWNER.viewer, ORG, todo_id, Action.READ)


def test_the_same_id_in_another_of_the_viewers_orgs_is_not_found(in_acme, write_todo):
    todo_id = write_todo(in_acme, OWNER, "org")
    with pytest.raises(NotFound):
        scoping.load_todo(db.session, "acme", OWNER.viewer, OWNER.personal_org, todo_id, Action.READ)


def test_a_removed_member_loses_even_their_own_todos(in_acme, write_todo):
    todo_id = write_todo(in_acme, OUTSIDER, "private")  # written while they were a member
    with pytest.raises(NotFound):
        scoping.load_todo(db.session, "acme", OUTSIDER.viewer, ORG, todo_id, Action.READ)


@pytest.mark.parametrize("todo_id", ["", "short", "x" * 23, "a" * 21 + "\x00", "a" * 21 + "/", None, 42])
def test_ids_that_cannot_name_a_todo_never_reach_the_database(in_acme, todo_id):
    with recorded_sql() as statements, pytest.raises(NotFound):
        scoping.load_todo(db.session, "acme", MEMBER.viewer, ORG, todo_id, Action.READ)
    assert statements == []


def test_visible_todos_lists_shared_and_own_private_only(in_acme, write_todo):
    shared = write_todo(in_acme, AUTHOR, "org")
    write_todo(in_acme, AUTHOR, "private")
    own = write_todo(in_acme, MEMBER, "private")
    write_todo(in_acme, MEMBER, "org", org=MEMBER.personal_org)
    ids = set(db.session.scalars(scoping.visible_todos("acme", MEMBER.viewer, ORG).with_only_columns(Todo.id)))
    assert ids == {shared, own}


def test_an_admin_cannot_make_someone_elses_shared_todo_private(in_acme, write_todo):
    todo_id = write_todo(in_acme, AUTHOR, "org")
    with pytest.raises(Forbidden):
        services.update_todo("acme", ADMIN.viewer, ORG, todo_id, {"visibility": "private"}, NOW)
    updated = services.update_todo("acme", ADMIN.viewer, ORG, todo_id, {"title": "Renamed", "visibility": "org"}, NOW)
    assert (updated.title, updated.visibility) == ("Renamed", "org")
    assert services.update_todo("acme", AUTHOR.viewer, ORG, todo_id, {"visibility": "private"}, NOW).visibility == (
        "private"
    )


def test_every_role_may_create_but_only_in_its_own_orgs(in_acme):
    for person in (OWNER, ADMIN, MEMBER):
        assert services.create_todo("acme", person.viewer, ORG, {"title": "Mine"}, NOW).visibility == "private"
    with pytest.raises(NotFound):
        services.create_todo("acme", OUTSIDER.viewer, ORG, {"title": "Sneaky"}, NOW)
    assert services.create_todo("acme", OUTSIDER.viewer, OTHER_ORG, {"title": "Fine"}, NOW).org_id == OTHER_ORG


def test_a_viewer_without_memberships_sees_nothing(in_acme):
    with pytest.raises(NotFound):
        scoping.visible_todos("acme", Viewer(ISSUER, "lonely"), ORG)
