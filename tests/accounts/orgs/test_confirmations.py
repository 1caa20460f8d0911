"""Remove, leave and transfer ownership: GET shows what will happen and changes nothing; the POST from that page acts.

Transfer ownership also needs the org's slug typed, like deleting it.
"""

import html

import pytest

from accounts.orgs.rules import MESSAGES, Reason
from tests.accounts.conftest import flashes
from tests.conftest import submit

ORG_PAGE = "/orgs/initech"
EVERYONE = {"alice@example.com": "owner", "bob@example.com": "admin", "carol@example.com": "member"}


def text(browser, url: str) -> str:
    response = browser.get(url)
    assert response.status_code == 200, f"GET {url} answered {response.status_code}"
    return html.unescape(response.get_data(as_text=True))


def test_the_org_page_links_to_confirmation_pages_instead_of_acting(initech, signed_in):
    page = text(signed_in(initech.alice), ORG_PAGE)
    for action in ("remove", "transfer"):
        url = f"{ORG_PAGE}/members/{initech.carol.id}/{action}"
        assert f'href="{url}"' in page and f'action="{url}"' not in page
    carol_page = text(signed_in(initech.carol), ORG_PAGE)
    assert f'href="{ORG_PAGE}/leave"' in carol_page and f'action="{ORG_PAGE}/leave"' not in carol_page


def test_remove_shows_who_and_what_first_and_changes_nothing(initech, signed_in, roles):
    bob = signed_in(initech.bob)
    page = text(bob, f"{ORG_PAGE}/members/{initech.carol.id}/remove")
    assert "<h1>Remove Carol from Initech?</h1>" in page
    assert "carol@example.com" in page and "they need a new invitation" in page
    assert f'action="{ORG_PAGE}/members/{initech.carol.id}/remove"' in page
    assert f'href="{ORG_PAGE}"' in page  # Cancel goes back
    assert roles(initech.id) == EVERYONE


def test_the_post_from_the_remove_page_removes(initech, signed_in, roles):
    bob = signed_in(initech.bob)
    url = f"{ORG_PAGE}/members/{initech.carol.id}/remove"
    response = submit(bob, url, {})
    assert (response.status_code, response.headers["Location"]) == (303, ORG_PAGE)
    assert "Removed Carol." in flashes(bob.get(ORG_PAGE))
    assert "carol@example.com" not in roles(initech.id)


def test_a_refused_removal_never_shows_its_confirmation(initech, signed_in, roles):
    bob = signed_in(initech.bob)
    response = bob.get(f"{ORG_PAGE}/members/{initech.alice.id}/remove")
    assert (response.status_code, response.headers["Location"]) == (303, ORG_PAGE)
    assert MESSAGES[Reason.ADMINS_CANNOT_TOUCH_OWNERS] in flashes(bob.get(ORG_PAGE))
    assert roles(initech.id) == EVERYONE


def test_removing_yourself_is_the_leave_page(initech, signed_in):
    response = signed_in(initech.carol).get(f"{ORG_PAGE}/members/{initech.carol.id}/remove")
    assert (response.status_code, response.headers["Location"]) == (303, f"{ORG_PAGE}/leave")


def test_leave_shows_what_happens_then_the_post_leaves(initech, signed_in, roles):
    carol = signed_in(initech.carol)
    page = text(carol, f"{ORG_PAGE}/leave")
    assert "<h1>Leave Initech?</h1>" in page and "You are a <strong>member</strong> of Initech." in page
    assert roles(initech.id) == EVERYONE
    response = submit(carol, f"{ORG_PAGE}/leave", {})
    assert (response.status_code, response.headers["Location"]) == (303, "/orgs/")
    assert "You left Initech." in flashes(carol.get("/orgs/"))
    assert "carol@example.com" not in roles(initech.id)


def test_the_last_owner_is_told_why_instead_of_a_leave_page(initech, signed_in, roles):
    alice = signed_in(initech.alice)
    response = alice.get(f"{ORG_PAGE}/leave")
    assert (response.status_code, response.headers["Location"]) == (303, ORG_PAGE)
    assert MESSAGES[Reason.LAST_OWNER] in flashes(alice.get(ORG_PAGE))
    assert roles(initech.id) == EVERYONE


def test_transfer_shows_both_role_changes_and_asks_for_the_slug(initech, signed_in, roles):
    page = text(signed_in(initech.alice), f"{ORG_PAGE}/members/{initech.carol.id}/transfer")
    assert "<h1>Make Carol an owner of Initech?</h1>" in page
    assert "You become an admin" in page and "Type initech to confirm." in page
    assert 'name="confirm"' in page
    assert roles(initech.id) == EVERYONE


@pytest.mark.parametrize("typed", ["", "   ", "Initech", "INITECH", "initec", "initech-x", "\u0131nitech", "x" * 5000])
def test_transfer_without_the_exact_slug_changes_nothing_and_says_why(initech, signed_in, roles, typed):
    alice = signed_in(initech.alice)
    url = f"{ORG_PAGE}/members/{initech.carol.id}/transfer"
    response = submit(alice, url, {"confirm": typed})
    assert (response.status_code, response.headers["Location"]) == (303, url)
    page = text(alice, url)
    assert 'id="confirm-errors"' in page and MESSAGES[Reason.CONFIRMATION_MISMATCH] in page
    assert f'value="{typed.strip()}"' in page or not typed.strip()  # kept as typed, to fix
    assert roles(initech.id) == EVERYONE


def test_transfer_with_the_slug_typed_hands_over_ownership(initech, signed_in, roles):
    alice = signed_in(initech.alice)
    url = f"{ORG_PAGE}/members/{initech.carol.id}/transfer"
    response = submit(alice, url, {"confirm": " initech "})
    assert (response.status_code, response.headers["Location"]) == (303, ORG_PAGE)
    assert "Carol is now an owner; you are an admin." in flashes(alice.get(ORG_PAGE))
    assert roles(initech.id) == {**EVERYONE, "alice@example.com": "admin", "carol@example.com": "owner"}


@pytest.mark.parametrize(
    ("actor", "target", "reason"),
    [("bob", "carol", Reason.ONLY_OWNERS), ("alice", "alice", Reason.TRANSFER_TO_SELF)],
)
def test_a_refused_transfer_never_shows_its_confirmation(initech, signed_in, roles, actor, target, reason):
    browser = signed_in(getattr(initech, actor))
    url = f"{ORG_PAGE}/members/{getattr(initech, target).id}/transfer"
    response = browser.get(url)
    assert (response.status_code, response.headers["Location"]) == (303, ORG_PAGE)
    assert MESSAGES[reason] in flashes(browser.get(ORG_PAGE))
    response = submit(browser, url, {"confirm": "initech"}, form_url=ORG_PAGE)
    assert response.headers["Location"] == ORG_PAGE
    assert MESSAGES[reason] in flashes(browser.get(ORG_PAGE))
    assert roles(initech.id) == EVERYONE


@pytest.mark.parametrize("action", ["remove", "transfer"])
@pytest.mark.parametrize("who", ["dave", "nobody"])
def test_confirmation_pages_of_people_outside_the_org_are_not_found(initech, signed_in, action, who):
    user_id = initech.dave.id if who == "dave" else 2**31 - 1
    assert signed_in(initech.alice).get(f"{ORG_PAGE}/members/{user_id}/{action}").status_code == 404


@pytest.mark.parametrize("suffix", ["/members/{carol}/remove", "/members/{carol}/transfer", "/leave"])
def test_confirming_without_a_csrf_token_changes_nothing(initech, signed_in, roles, suffix):
    browser = signed_in(initech.carol if suffix == "/leave" else initech.alice)
    response = browser.post(ORG_PAGE + suffix.format(carol=initech.carol.id), data={"confirm": "initech"})
    assert response.status_code == 400
    assert roles(initech.id) == EVERYONE
