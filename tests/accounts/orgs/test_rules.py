"""Every organization rule (SPEC §2.6) as a table: actor role × target role × action -> allowed or the reason refused.

The rules are plain functions, so each cell is one call. After the tables, the invariants are
checked over every combination the functions accept.
"""

from datetime import datetime, timedelta
from itertools import product

import pytest

from accounts.orgs import rules
from accounts.orgs.rules import RANK, InvitationStatus, OrgRuleError, Reason, Role

MEM, ADM, OWN = Role.MEMBER, Role.ADMIN, Role.OWNER
OK = "allowed"
NOW = datetime(2026, 1, 1, 12, 0)


def outcome(check, **facts):
    """OK, or the reason the rule refused."""
    try:
        check(**facts)
    except OrgRuleError as error:
        assert str(error) == rules.MESSAGES[error.reason]
        return error.reason
    return OK


# actor, target, new role, changing self?, owners in the org -> expected
CHANGE_ROLE = [
    # Members manage nobody.
    (MEM, MEM, MEM, False, 2, Reason.MEMBERS_CANNOT_MANAGE),
    (MEM, MEM, ADM, False, 2, Reason.MEMBERS_CANNOT_MANAGE),
    (MEM, MEM, OWN, False, 2, Reason.MEMBERS_CANNOT_MANAGE),
    (MEM, ADM, MEM, False, 2, Reason.MEMBERS_CANNOT_MANAGE),
    (MEM, ADM, ADM, False, 2, Reason.MEMBERS_CANNOT_MANAGE),
    (MEM, ADM, OWN, False, 2, Reason.MEMBERS_CANNOT_MANAGE),
    (MEM, OWN, MEM, False, 2, Reason.MEMBERS_CANNOT_MANAGE),
    (MEM, OWN, ADM, False, 2, Reason.MEMBERS_CANNOT_MANAGE),
    (MEM, OWN, OWN, False, 2, Reason.MEMBERS_CANNOT_MANAGE),
    # Admins manage members and admins, never make owners, never touch owners.
    (ADM, MEM, MEM, False, 2, OK),
    (ADM, MEM, ADM, False, 2, OK),
    (ADM, MEM, OWN, False, 2, Reason.ONLY_OWNERS_MAKE_OWNERS),
    (ADM, ADM, MEM, False, 2, OK),
    (ADM, ADM, ADM, False, 2, OK),
    (ADM, ADM, OWN, False, 2, Reason.ONLY_OWNERS_MAKE_OWNERS),
    (ADM, OWN, MEM, False, 2, Reason.ADMINS_CANNOT_TOUCH_OWNERS),
    (ADM, OWN, ADM, False, 2, Reason.ADMINS_CANNOT_TOUCH_OWNERS),
    (ADM, OWN, OWN, False, 2, Reason.ADMINS_CANNOT_TOUCH_OWNERS),
    (ADM, OWN, MEM, False, 1, Reason.ADMINS_CANNOT_TOUCH_OWNERS),
    # Owners do everything, as long as one owner remains.
    (OWN, MEM, MEM, False, 2, OK),
    (OWN, MEM, ADM, False, 2, OK),
    (OWN, MEM, OWN, False, 2, OK),
    (OWN, ADM, MEM, False, 2, OK),
    (OWN, ADM, ADM, False, 2, OK),
    (OWN, ADM, OWN, False, 2, OK),
    (OWN, OWN, MEM, False, 2, OK),
    (OWN, OWN, ADM, False, 2, OK),
    (OWN, OWN, OWN, False, 2, OK),
    (OWN, MEM, OWN, False, 1, OK),
    (OWN, ADM, OWN, False, 1, OK),
    (OWN, OWN, ADM, False, 1, Reason.LAST_OWNER),
    # Yourself: lowering is fine, raising never, and the last owner stays an owner.
    (MEM, MEM, MEM, True, 1, OK),
    (MEM, MEM, ADM, True, 1, Reason.CANNOT_RAISE_OWN_ROLE),
    (MEM, MEM, OWN, True, 1, Reason.CANNOT_RAISE_OWN_ROLE),
    (ADM, ADM, MEM, True, 1, OK),
    (ADM, ADM, ADM, True, 1, OK),
    (ADM, ADM, OWN, True, 1, Reason.CANNOT_RAISE_OWN_ROLE),
    (OWN, OWN, MEM, True, 2, OK),
    (OWN, OWN, ADM, True, 2, OK),
    (OWN, OWN, OWN, True, 2, OK),
    (OWN, OWN, MEM, True, 1, Reason.LAST_OWNER),
    (OWN, OWN, ADM, True, 1, Reason.LAST_OWNER),
    (OWN, OWN, OWN, True, 1, OK),
]


@pytest.mark.parametrize(("actor", "target", "new_role", "is_self", "owners", "expected"), CHANGE_ROLE)
def test_change_role(actor, target, new_role, is_self, owners, expected):
    facts = dict(actor=actor, target=target, new_role=new_role, is_self=is_self, owners=owners, personal=False)
    assert outcome(rules.check_change_role, **facts) == expected


def test_change_role_table_covers_every_combination():
    others = {(a, t, n) for a, t, n, is_self, _, _ in CHANGE_ROLE if not is_self}
    selves = {(a, n) for a, _, n, is_self, _, _ in CHANGE_ROLE if is_self}
    assert others == set(product(Role, Role, Role))
    assert selves == set(product(Role, Role))


# actor, target, removing self?, owners -> expected
REMOVE = [
    (MEM, MEM, False, 2, Reason.MEMBERS_CANNOT_MANAGE),
    (MEM, ADM, False, 2, Reason.MEMBERS_CANNOT_MANAGE),
    (MEM, OWN, False, 2, Reason.MEMBERS_CANNOT_MANAGE),
    (ADM, MEM, False, 2, OK),
    (ADM, ADM, False, 2, OK),
    (ADM, OWN, False, 2, Reason.ADMINS_CANNOT_TOUCH_OWNERS),
    (ADM, OWN, False, 1, Reason.ADMINS_CANNOT_TOUCH_OWNERS),
    (OWN, MEM, False, 2, OK),
    (OWN, ADM, False, 2, OK),
    (OWN, OWN, False, 2, OK),
    (OWN, OWN, False, 1, Reason.LAST_OWNER),
    # Removing yourself is leaving.
    (MEM, MEM, True, 1, OK),
    (ADM, ADM, True, 1, OK),
    (OWN, OWN, True, 2, OK),
    (OWN, OWN, True, 1, Reason.LAST_OWNER),
]


@pytest.mark.parametrize(("actor", "target", "is_self", "owners", "expected"), REMOVE)
def test_remove(actor, target, is_self, owners, expected):
    facts = dict(actor=actor, target=target, is_self=is_self, owners=owners, personal=False)
    assert outcome(rules.check_remove, **facts) == expected


# role, owners, personal space? -> expected
LEAVE = [
    (MEM, 1, False, OK),
    (ADM, 1, False, OK),
    (OWN, 2, False, OK),
    (OWN, 1, False, Reason.LAST_OWNER),
    (OWN, 1, True, Reason.PERSONAL_SPACE),
]


@pytest.mark.parametrize(("role", "owners", "personal", "expected"), LEAVE)
def test_leave(role, owners, personal, expected):
    assert outcome(rules.check_leave, role=role, owners=owners, personal=personal) == expected


# actor, target, to self? -> expected
TRANSFER = [
    (MEM, MEM, False, Reason.ONLY_OWNERS),
    (MEM, ADM, False, Reason.ONLY_OWNERS),
    (MEM, OWN, False, Reason.ONLY_OWNERS),
    (ADM, MEM, False, Reason.ONLY_OWNERS),
    (ADM, ADM, False, Reason.ONLY_OWNERS),
    (ADM, OWN, False, Reason.ONLY_OWNERS),
    (OWN, MEM, False, OK),
    (OWN, ADM, False, OK),
    (OWN, OWN, False, Reason.ALREADY_OWNER),
    (OWN, OWN, True, Reason.TRANSFER_TO_SELF),
]


@pytest.mark.parametrize(("actor", "target", "is_self", "expected"), TRANSFER)
def test_transfer(actor, target, is_self, expected):
    assert outcome(rules.check_transfer, actor=actor, target=target, is_self=is_self, personal=False) == expected


# inviter, role offered, already a member? -> expected
INVITE = [
    (MEM, MEM, False, Reason.MEMBERS_CANNOT_MANAGE),
    (MEM, ADM, False, Reason.MEMBERS_CANNOT_MANAGE),
    (MEM, OWN, False, Reason.MEMBERS_CANNOT_MANAGE),
    (ADM, MEM, False, OK),
    (ADM, ADM, False, OK),
    (ADM, OWN, False, Reason.ROLE_ABOVE_OWN),
    (OWN, MEM, False, OK),
    (OWN, ADM, False, OK),
    (OWN, OWN, False, OK),
    (OWN, MEM, True, Reason.ALREADY_MEMBER),
    (ADM, OWN, True, Reason.ROLE_ABOVE_OWN),
    (MEM, MEM, True, Reason.MEMBERS_CANNOT_MANAGE),
]


@pytest.mark.parametrize(("inviter", "role", "already_member", "expected"), INVITE)
def test_invite(inviter, role, already_member, expected):
    facts = dict(inviter=inviter, role=role, personal=False, already_member=already_member)
    assert outcome(rules.check_invite, **facts) == expected


# actor, role of the pending invitation -> expected
REVOKE = [
    (MEM, MEM, Reason.MEMBERS_CANNOT_MANAGE),
    (MEM, ADM, Reason.MEMBERS_CANNOT_MANAGE),
    (MEM, OWN, Reason.MEMBERS_CANNOT_MANAGE),
    (ADM, MEM, OK),
    (ADM, ADM, OK),
    (ADM, OWN, Reason.ADMINS_CANNOT_TOUCH_OWNERS),
    (OWN, MEM, OK),
    (OWN, ADM, OK),
    (OWN, OWN, OK),
]


@pytest.mark.parametrize(("actor", "invitation_role", "expected"), REVOKE)
def test_revoke(actor, invitation_role, expected):
    assert outcome(rules.check_revoke, actor=actor, invitation_role=invitation_role) == expected


@pytest.mark.parametrize(("actor", "expected"), [(MEM, Reason.ONLY_OWNERS), (ADM, Reason.ONLY_OWNERS), (OWN, OK)])
def test_rename(actor, expected):
    assert outcome(rules.check_rename, actor=actor) == expected


# actor, personal space?, what was typed -> expected (the slug is "initech")
DELETE = [
    (MEM, False, "initech", Reason.ONLY_OWNERS),
    (ADM, False, "initech", Reason.ONLY_OWNERS),
    (OWN, False, "initech", OK),
    (OWN, False, "  initech ", OK),
    (OWN, False, "Initech", Reason.CONFIRMATION_MISMATCH),
    (OWN, False, "initec", Reason.CONFIRMATION_MISMATCH),
    (OWN, False, "", Reason.CONFIRMATION_MISMATCH),
    (OWN, True, "initech", Reason.PERSONAL_SPACE),
]


@pytest.mark.parametrize(("actor", "personal", "confirmation", "expected"), DELETE)
def test_delete(actor, personal, confirmation, expected):
    facts = dict(actor=actor, personal=personal, slug="initech", confirmation=confirmation)
    assert outcome(rules.check_delete, **facts) == expected


PERSONAL_SPACE_ACTIONS = [
    (rules.check_invite, dict(inviter=OWN, role=MEM, personal=True)),
    (rules.check_change_role, dict(actor=OWN, target=OWN, new_role=ADM, is_self=True, owners=1, personal=True)),
    (rules.check_change_role, dict(actor=OWN, target=MEM, new_role=ADM, is_self=False, owners=1, personal=True)),
    (rules.check_remove, dict(actor=OWN, target=OWN, is_self=True, owners=1, personal=True)),
    (rules.check_remove, dict(actor=OWN, target=MEM, is_self=False, owners=1, personal=True)),
    (rules.check_leave, dict(role=OWN, owners=1, personal=True)),
    (rules.check_transfer, dict(actor=OWN, target=MEM, is_self=False, personal=True)),
    (rules.check_delete, dict(actor=OWN, personal=True, slug="personal-1", confirmation="personal-1")),
]


@pytest.mark.parametrize(("check", "facts"), PERSONAL_SPACE_ACTIONS, ids=lambda v: getattr(v, "__name__", ""))
def test_a_personal_space_cannot_be_left_deleted_or_get_members(check, facts):
    assert outcome(check, **facts) == Reason.PERSONAL_SPACE


def test_a_personal_space_can_be_renamed_by_its_owner():
    assert outcome(rules.check_rename, actor=OWN) == OK


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("Initech", "Initech"),
        ("  Initech  ", "Initech"),
        ("Café Ünïcode & Co.", "Café Ünïcode & Co."),
        ("x" * 100, "x" * 100),
        ("", Reason.NAME_REQUIRED),
        ("   ", Reason.NAME_REQUIRED),
        ("x" * 101, Reason.NAME_TOO_LONG),
        ("Evil\nBcc: victim@example.com", Reason.NAME_CONTROL_CHARS),
        ("tab\there", Reason.NAME_CONTROL_CHARS),
        ("nul\x00", Reason.NAME_CONTROL_CHARS),
    ],
)
def test_clean_name(name, expected):
    try:
        assert rules.clean_name(name) == expected
    except OrgRuleError as error:
        assert error.reason == expected
        assert error.field == "name"


@pytest.mark.parametrize(
    ("slug", "expected"),
    [
        ("initech", "initech"),
        (" Initech ", "initech"),
        ("acme-research-2", "acme-research-2"),
        ("123", "123"),
        ("personal", "personal"),
        ("a" * 40, "a" * 40),
        ("ab", Reason.SLUG_INVALID),
        ("a" * 41, Reason.SLUG_INVALID),
        ("-initech", Reason.SLUG_INVALID),
        ("initech-", Reason.SLUG_INVALID),
        ("init_tech", Reason.SLUG_INVALID),
        ("init tech", Reason.SLUG_INVALID),
        ("inïtech", Reason.SLUG_INVALID),
        ("../admin", Reason.SLUG_INVALID),
        ("", Reason.SLUG_INVALID),
        ("personal-7", Reason.SLUG_RESERVED),
        ("Personal-7", Reason.SLUG_RESERVED),
    ],
)
def test_clean_slug(slug, expected):
    try:
        assert rules.clean_slug(slug) == expected
    except OrgRuleError as error:
        assert error.reason == expected
        assert error.field == "slug"


LATER = NOW + timedelta(days=7)


@pytest.mark.parametrize(
    ("accepted", "declined", "revoked", "now", "expected"),
    [
        (None, None, None, NOW, InvitationStatus.PENDING),
        (None, None, None, LATER - timedelta(seconds=1), InvitationStatus.PENDING),
        (None, None, None, LATER, InvitationStatus.EXPIRED),
        (NOW, None, None, NOW, InvitationStatus.ACCEPTED),
        (NOW, None, None, LATER, InvitationStatus.ACCEPTED),
        (None, NOW, None, NOW, InvitationStatus.DECLINED),
        (None, None, NOW, NOW, InvitationStatus.REVOKED),
        (None, None, NOW, LATER, InvitationStatus.REVOKED),
    ],
)
def test_invitation_status(accepted, declined, revoked, now, expected):
    status = rules.invitation_status(
        accepted_at=accepted, declined_at=declined, revoked_at=revoked, expires_at=LATER, now=now
    )
    assert status == expected


@pytest.mark.parametrize(
    ("status", "user_email", "expected"),
    [
        (InvitationStatus.PENDING, "erin@example.com", OK),
        (InvitationStatus.PENDING, "dave@example.com", Reason.WRONG_USER),
        (InvitationStatus.ACCEPTED, "erin@example.com", Reason.INVITATION_USED),
        (InvitationStatus.DECLINED, "erin@example.com", Reason.INVITATION_USED),
        (InvitationStatus.REVOKED, "erin@example.com", Reason.INVITATION_REVOKED),
        (InvitationStatus.EXPIRED, "erin@example.com", Reason.INVITATION_EXPIRED),
        # A dead link says why before it says whose it is.
        (InvitationStatus.EXPIRED, "dave@example.com", Reason.INVITATION_EXPIRED),
    ],
)
def test_answer_an_invitation(status, user_email, expected):
    facts = dict(status=status, invited_email="erin@example.com", user_email=user_email)
    assert outcome(rules.check_answer, **facts) == expected


# role invited, inviter's role now (None: no longer a member), already a member? -> expected
JOIN = [
    (MEM, OWN, False, OK),
    (ADM, OWN, False, OK),
    (OWN, OWN, False, OK),
    (MEM, ADM, False, OK),
    (ADM, ADM, False, OK),
    (OWN, ADM, False, Reason.INVITER_LOST_RIGHTS),
    (MEM, MEM, False, Reason.INVITER_LOST_RIGHTS),
    (MEM, None, False, Reason.INVITER_LOST_RIGHTS),
    (MEM, OWN, True, Reason.ALREADY_MEMBER),
]


@pytest.mark.parametrize(("role", "inviter_role", "already_member", "expected"), JOIN)
def test_join_needs_the_inviters_rights_now(role, inviter_role, already_member, expected):
    facts = dict(role=role, inviter_role=inviter_role, already_member=already_member)
    assert outcome(rules.check_join, **facts) == expected


@pytest.mark.parametrize(
    ("actor", "target", "is_self", "owners", "expected"),
    [
        (OWN, MEM, False, 1, [MEM, ADM, OWN]),
        (OWN, OWN, False, 2, [MEM, ADM, OWN]),
        (OWN, OWN, True, 1, []),
        (OWN, OWN, True, 2, [MEM, ADM, OWN]),
        (ADM, MEM, False, 1, [MEM, ADM]),
        (ADM, ADM, True, 1, [MEM, ADM]),
        (ADM, OWN, False, 1, []),
        (MEM, MEM, True, 1, []),
        (MEM, ADM, False, 1, []),
    ],
)
def test_assignable_roles_offer_only_what_the_rules_allow(actor, target, is_self, owners, expected):
    facts = dict(actor=actor, target=target, is_self=is_self, owners=owners, personal=False)
    assert rules.assignable_roles(**facts) == expected


# The invariants of SPEC §2.6, over every input the role-change and removal rules accept.
EVERY_CHANGE = [
    (actor, target, new, is_self, owners)
    for actor, target, new, is_self, owners in product(Role, Role, Role, (False, True), (1, 2, 3))
    if not is_self or actor == target
    if owners >= (actor is OWN) + (target is OWN and not is_self)
]


def _allowed_changes():
    for actor, target, new, is_self, owners in EVERY_CHANGE:
        facts = dict(actor=actor, target=target, new_role=new, is_self=is_self, owners=owners, personal=False)
        if rules.allowed(rules.check_change_role, **facts):
            yield actor, target, new, is_self, owners


def test_no_allowed_role_change_leaves_an_org_without_owner():
    for _, target, new, _, owners in _allowed_changes():
        assert owners - (target is OWN) + (new is OWN) >= 1


def test_nobody_raises_their_own_role():
    for _, target, new, is_self, _ in _allowed_changes():
        assert not (is_self and RANK[new] > RANK[target])


def test_only_owners_make_owners_and_admins_never_touch_owners():
    for actor, target, new, _, _ in _allowed_changes():
        if new is OWN and target is not OWN:
            assert actor is OWN
        if target is OWN:
            assert actor is OWN


def test_no_allowed_removal_leaves_an_org_without_owner():
    for actor, target, is_self, owners in product(Role, Role, (False, True), (1, 2, 3)):
        if (is_self and actor != target) or owners < (actor is OWN) + (target is OWN and not is_self):
            continue
        facts = dict(actor=actor, target=target, is_self=is_self, owners=owners, personal=False)
        if rules.allowed(rules.check_remove, **facts):
            assert owners - (target is OWN) >= 1
            assert not (actor is ADM and target is OWN)
