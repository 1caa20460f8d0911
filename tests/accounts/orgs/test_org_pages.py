"""Organization pages: list, create, rename, delete, members, roles, leave, transfer; 404 for outsiders; bad input."""

import html

import pytest

from accounts.orgs.rules import MESSAGES, NAME_MAX, Reason
from tests.conftest import csrf_token, submit

ORG_PAGE = "/orgs/initech"


def text(browser, url: str) -> str:
    """The page at url as the user reads it (entities decoded)."""
    return html.unescape(browser.get(url).get_data(as_text=True))


def post(browser, url: str, data: dict | None = None, form_url: str = ORG_PAGE):
    """Send a form of the org page as that browser's user."""
    return submit(browser, url, data or {}, form_url=form_url)


def test_pages_need_sign_in(client, initech):
    for url in ("/orgs/", ORG_PAGE):
        response = client.get(url)
        assert response.status_code == 302
        assert response.headers["Location"].startswith("/sign-in?next=")


def test_every_user_has_a_personal_space(initech, signed_in):
    dave = signed_in(initech.dave)
    page = text(dave, "/orgs/")
    assert "Personal space" in page and f"personal-{initech.dave.id}" in page
    page = text(dave, f"/orgs/personal-{initech.dave.id}")
    assert "Your personal space is yours alone" in page
    assert "Leave" not in page and "Delete this organization" not in page and "Invite someone" not in page


def test_create_an_org_and_become_its_owner(initech, signed_in, roles, org_exists):
    dave = signed_in(initech.dave)
    response = post(dave, "/orgs/", {"name": "  Dave & Co  ", "slug": " Dave-Co "}, form_url="/orgs/")
    assert response.status_code == 303
    assert response.headers["Location"] == "/orgs/dave-co"
    page = text(dave, "/orgs/dave-co")
    assert "Created Dave & Co. You are its owner." in page
    assert "your role: <strong>owner</strong>" in page
    assert "Dave & Co" in text(dave, "/orgs/")
    assert org_exists("dave-co")


@pytest.mark.parametrize(
    ("name", "slug", "field", "message"),
    [
        ("", "good-slug", "name", "Enter a name."),
        ("   ", "good-slug", "name", "Enter a name."),
        ("x" * (NAME_MAX + 1), "good-slug", "name", f"Use at most {NAME_MAX} characters."),
        ("Line\nbreak", "good-slug", "name", MESSAGES[Reason.NAME_CONTROL_CHARS]),
        ("Good name", "", "slug", "Choose a slug."),
        ("Good name", "x", "slug", MESSAGES[Reason.SLUG_INVALID]),
        ("Good name", "Bad Slug!", "slug", MESSAGES[Reason.SLUG_INVALID]),
        ("Good name", "-dash-", "slug", MESSAGES[Reason.SLUG_INVALID]),
        ("Good name", "x" * 41, "slug", "Use at most 40 characters."),
        ("Good name", "personal-99", "slug", MESSAGES[Reason.SLUG_RESERVED]),
        ("Good name", "initech", "slug", MESSAGES[Reason.SLUG_TAKEN]),
        ("Good name", "INITECH", "slug", MESSAGES[Reason.SLUG_TAKEN]),
    ],
)
def test_create_refuses_bad_input_clearly_and_keeps_it(
    initech, signed_in, org_exists, roles, name, slug, field, message
):
    dave = signed_in(initech.dave)
    response = post(dave, "/orgs/", {"name": name, "slug": slug}, form_url="/orgs/")
    assert response.status_code == 303
    assert response.headers["Location"] == "/orgs/"
    page = text(dave, "/orgs/")
    assert f'id="{field}-errors"' in page
    assert message in page
    kept = name if field == "slug" else slug  # the other field is kept as typed
    assert f'value="{kept.strip()}"' in page
    assert not org_exists("good-slug")
    assert roles(initech.id) == {
        "alice@example.com": "owner",
        "bob@example.com": "admin",
        "carol@example.com": "member",
    }


def test_an_owner_renames(initech, signed_in):
    alice = signed_in(initech.alice)
    response = post(alice, f"{ORG_PAGE}/rename", {"name": "Initrode"})
    assert response.status_code == 303
    page = text(alice, ORG_PAGE)
    assert "Renamed to Initrode." in page and "<h1>Initrode" in page


@pytest.mark.parametrize(
    ("name", "message"),
    [("", "Enter a name."), ("x" * (NAME_MAX + 1), f"Use at most {NAME_MAX} characters.")],
)
def test_rename_refuses_bad_names_and_keeps_the_old_one(initech, signed_in, name, message):
    alice = signed_in(initech.alice)
    post(alice, f"{ORG_PAGE}/rename", {"name": name})
    page = text(alice, ORG_PAGE)
    assert message in page
    assert f'value="{name}"' in page  # what was typed, to fix
    assert "<h1>Initech" in page  # the saved name is untouched


def test_admins_and_members_cannot_rename(initech, signed_in):
    for user in (initech.bob, initech.carol):
        browser = signed_in(user)
        assert 'id="rename"' not in browser.get(ORG_PAGE).get_data(as_text=True)
        token = csrf_token(browser, ORG_PAGE)
        browser.post(f"{ORG_PAGE}/rename", data={"csrf_token": token, "name": "Mine now"})
        page = text(browser, ORG_PAGE)
        assert MESSAGES[Reason.ONLY_OWNERS] in page
        assert "<h1>Initech" in page


def test_delete_needs_the_slug_typed(initech, signed_in, org_exists, invitations):
    alice = signed_in(initech.alice)
    post(alice, f"{ORG_PAGE}/invitations", {"email": "erin@example.com", "role": "member"})
    response = post(alice, f"{ORG_PAGE}/delete", {"confirm": "Initech"})
    assert response.status_code == 303
    assert response.headers["Location"] == ORG_PAGE
    page = text(alice, ORG_PAGE)
    assert MESSAGES[Reason.CONFIRMATION_MISMATCH] in page
    assert 'value="Initech"' in page
    assert org_exists("initech")

    response = post(alice, f"{ORG_PAGE}/delete", {"confirm": "initech"})
    assert response.status_code == 303
    assert response.headers["Location"] == "/orgs/"
    assert "Deleted Initech." in text(alice, "/orgs/")
    assert not org_exists("initech")
    assert invitations(initech.id) == []
    for user in (initech.alice, initech.bob, initech.carol):
        assert signed_in(user).get(ORG_PAGE).status_code == 404


def test_only_owners_delete(initech, signed_in, org_exists):
    for user in (initech.bob, initech.carol):
        browser = signed_in(user)
        assert "Delete this organization" not in browser.get(ORG_PAGE).get_data(as_text=True)
        token = csrf_token(browser, ORG_PAGE)
        response = browser.post(f"{ORG_PAGE}/delete", data={"csrf_token": token, "confirm": "initech"})
        assert response.status_code == 303
        assert MESSAGES[Reason.ONLY_OWNERS] in text(browser, ORG_PAGE)
    assert org_exists("initech")


def test_a_personal_space_cannot_be_deleted_or_left(initech, signed_in, org_exists):
    dave = signed_in(initech.dave)
    personal = f"/orgs/personal-{initech.dave.id}"
    for action, data in (("delete", {"confirm": personal[6:]}), ("leave", {})):
        response = post(dave, f"{personal}/{action}", data, form_url=personal)
        assert response.status_code == 303
        assert MESSAGES[Reason.PERSONAL_SPACE] in text(dave, personal)
    assert org_exists(personal[6:])


def test_members_see_everyone_and_their_roles(initech, signed_in):
    page = text(signed_in(initech.carol), ORG_PAGE)
    for name, email in (
        ("Alice", "alice@example.com"),
        ("Bob", "bob@example.com"),
        ("Carol (you)", "carol@example.com"),
    ):
        assert name in page and email in page
    # Owners first, then admins, then members.
    assert page.index("alice@example.com") < page.index("bob@example.com") < page.index("carol@example.com")
    # A member manages nobody: no role menus, no buttons, no pending invitations.
    assert "<select" not in page and "Remove" not in page and "Pending invitations" not in page
    assert "Leave Initech" in page


def test_owner_sees_a_role_menu_for_others_but_not_for_themself_as_last_owner(initech, signed_in):
    page = signed_in(initech.alice).get(ORG_PAGE).get_data(as_text=True)
    assert f'id="role-{initech.bob.id}"' in page and f'id="role-{initech.carol.id}"' in page
    assert f'id="role-{initech.alice.id}"' not in page
    assert "Leave Initech" not in page  # the last owner cannot leave


def test_admin_menus_never_offer_owner_or_touch_owners(initech, signed_in):
    page = signed_in(initech.bob).get(ORG_PAGE).get_data(as_text=True)
    carol_menu = page.split(f'id="role-{initech.carol.id}"')[1].split("</select>")[0]
    assert 'value="member"' in carol_menu and 'value="admin"' in carol_menu and 'value="owner"' not in carol_menu
    assert f'id="role-{initech.alice.id}"' not in page
    assert f"/members/{initech.alice.id}/remove" not in page


def test_an_owner_changes_roles(initech, signed_in, roles):
    alice = signed_in(initech.alice)
    response = post(alice, f"{ORG_PAGE}/members/{initech.carol.id}/role", {"role": "admin"})
    assert response.status_code == 303
    assert "Carol is now admin." in text(alice, ORG_PAGE)
    post(alice, f"{ORG_PAGE}/members/{initech.bob.id}/role", {"role": "owner"})
    assert roles(initech.id) == {
        "alice@example.com": "owner",
        "bob@example.com": "owner",
        "carol@example.com": "admin",
    }


@pytest.mark.parametrize(
    ("actor", "target", "role", "reason"),
    [
        ("bob", "alice", "member", Reason.ADMINS_CANNOT_TOUCH_OWNERS),
        ("bob", "carol", "owner", Reason.ONLY_OWNERS_MAKE_OWNERS),
        ("bob", "bob", "owner", Reason.CANNOT_RAISE_OWN_ROLE),
        ("carol", "carol", "admin", Reason.CANNOT_RAISE_OWN_ROLE),
        ("carol", "bob", "member", Reason.MEMBERS_CANNOT_MANAGE),
        ("alice", "alice", "admin", Reason.LAST_OWNER),
    ],
)
def test_role_changes_the_rules_refuse(initech, signed_in, roles, actor, target, role, reason):
    browser = signed_in(getattr(initech, actor))
    before = roles(initech.id)
    token = csrf_token(browser, ORG_PAGE)
    target_id = getattr(initech, target).id
    response = browser.post(f"{ORG_PAGE}/members/{target_id}/role", data={"csrf_token": token, "role": role})
    assert response.status_code == 303
    assert MESSAGES[reason] in text(browser, ORG_PAGE)
    assert roles(initech.id) == before


def test_a_tampered_role_is_refused_without_error(initech, signed_in, roles):
    alice = signed_in(initech.alice)
    before = roles(initech.id)
    response = post(alice, f"{ORG_PAGE}/members/{initech.carol.id}/role", {"role": "superuser"})
    assert response.status_code == 303
    assert "Choose one of the roles offered." in text(alice, ORG_PAGE)
    assert roles(initech.id) == before


def test_an_admin_removes_a_member_but_not_an_owner(initech, signed_in, roles):
    bob = signed_in(initech.bob)
    response = post(bob, f"{ORG_PAGE}/members/{initech.carol.id}/remove")
    assert response.status_code == 303
    assert "Removed Carol." in text(bob, ORG_PAGE)
    post(bob, f"{ORG_PAGE}/members/{initech.alice.id}/remove")
    assert MESSAGES[Reason.ADMINS_CANNOT_TOUCH_OWNERS] in text(bob, ORG_PAGE)
    assert roles(initech.id) == {"alice@example.com": "owner", "bob@example.com": "admin"}
    assert signed_in(initech.carol).get(ORG_PAGE).status_code == 404


def test_members_leave_but_the_last_owner_stays(initech, signed_in, roles):
    carol = signed_in(initech.carol)
    response = post(carol, f"{ORG_PAGE}/leave")
    assert response.status_code == 303
    assert response.headers["Location"] == "/orgs/"
    assert "You left Initech." in text(carol, "/orgs/")
    alice = signed_in(initech.alice)
    post(alice, f"{ORG_PAGE}/leave")
    assert MESSAGES[Reason.LAST_OWNER] in text(alice, ORG_PAGE)
    assert roles(initech.id) == {"alice@example.com": "owner", "bob@example.com": "admin"}


def test_transfer_ownership(initech, signed_in, roles):
    alice = signed_in(initech.alice)
    response = post(alice, f"{ORG_PAGE}/members/{initech.carol.id}/transfer", {"confirm": "initech"})
    assert response.status_code == 303
    assert "Carol is now an owner; you are an admin." in text(alice, ORG_PAGE)
    assert roles(initech.id) == {
        "alice@example.com": "admin",
        "bob@example.com": "admin",
        "carol@example.com": "owner",
    }
    # Alice is an admin now: she cannot take it back.
    post(alice, f"{ORG_PAGE}/members/{initech.carol.id}/role", {"role": "member"})
    assert MESSAGES[Reason.ADMINS_CANNOT_TOUCH_OWNERS] in text(alice, ORG_PAGE)


def test_only_owners_transfer(initech, signed_in, roles):
    bob = signed_in(initech.bob)
    before = roles(initech.id)
    token = csrf_token(bob, ORG_PAGE)
    bob.post(f"{ORG_PAGE}/members/{initech.carol.id}/transfer", data={"csrf_token": token, "confirm": "initech"})
    assert MESSAGES[Reason.ONLY_OWNERS] in text(bob, ORG_PAGE)
    assert roles(initech.id) == before


NON_MEMBER_REQUESTS = [
    ("get", ""),
    ("post", "/rename"),
    ("post", "/delete"),
    ("post", "/invitations"),
    ("post", "/invitations/1/revoke"),
    ("post", "/members/1/role"),
    ("post", "/members/1/remove"),
    ("post", "/members/1/transfer"),
    ("post", "/leave"),
]


@pytest.mark.parametrize(("method", "suffix"), NON_MEMBER_REQUESTS)
def test_a_non_member_gets_the_same_404_as_for_no_org(initech, signed_in, method, suffix):
    dave = signed_in(initech.dave)
    token = csrf_token(dave, "/orgs/")
    data = {"csrf_token": token, "name": "x", "confirm": "initech", "email": "e@example.com", "role": "member"}
    answers = []
    for slug in ("initech", "no-such-org"):
        send = getattr(dave, method)
        response = send(f"/orgs/{slug}{suffix}", **({"data": data} if method == "post" else {}))
        answers.append((response.status_code, response.get_data(as_text=True)))
    assert answers[0] == answers[1]
    assert answers[0][0] == 404


def test_a_member_of_another_org_is_not_found_here(initech, signed_in, roles):
    alice = signed_in(initech.alice)
    before = roles(initech.id)
    for action in ("role", "remove", "transfer"):
        response = post(alice, f"{ORG_PAGE}/members/{initech.dave.id}/{action}", {"role": "member"})
        assert response.status_code == 404
    assert roles(initech.id) == before


def test_forms_without_csrf_token_are_refused(initech, signed_in, roles):
    alice = signed_in(initech.alice)
    response = alice.post(f"{ORG_PAGE}/members/{initech.carol.id}/remove")
    assert response.status_code == 400
    assert "This form has expired" in response.get_data(as_text=True)
    assert "carol@example.com" in roles(initech.id)


@pytest.mark.parametrize("slug", ["x" * 300, "..", "INITECH", "personal-1"])  # NUL: 400 by common.input_guard
def test_odd_slugs_are_just_not_found(initech, signed_in, slug):
    assert signed_in(initech.dave).get(f"/orgs/{slug}").status_code == 404
