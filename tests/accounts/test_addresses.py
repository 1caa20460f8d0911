"""Issue 12: one email-address rule for sign-up, invitations and every other form, NFKC-normalised."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from accounts.identity.addresses import is_valid_email, normalise_email
from tests.accounts.conftest import stored_user
from tests.conftest import PASSWORD, submit


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("alice@gatehouse.test", "alice@gatehouse.test"),
        ("  Alice@Gatehouse.TEST ", "alice@gatehouse.test"),
        ("ａｌｉｃｅ@gatehouse.test", "alice@gatehouse.test"),  # fullwidth letters
        ("alice＠ｇａｔｅｈｏｕｓｅ．ｔｅｓｔ", "alice@gatehouse.test"),  # fullwidth at sign and full stop
        ("\u3000alice@gatehouse.test\u3000", "alice@gatehouse.test"),  # ideographic spaces
        ("ﬁona@example.com", "fiona@example.com"),  # the fi ligature
        ("Zoë@example.com", "zoë@example.com"),  # a real non-ASCII letter stays itself
    ],
)
def test_normalising_folds_case_spaces_and_compatibility_lookalikes(typed, stored):
    assert normalise_email(typed) == stored


@given(st.text(max_size=40))
def test_normalising_twice_changes_nothing(typed):
    assert normalise_email(normalise_email(typed)) == normalise_email(typed)


@pytest.mark.parametrize(
    ("address", "valid"),
    [
        ("erin@gatehouse.test", True),  # RFC 6761 reserved, the demo domain
        ("erin@example.com", True),
        ("erin@no-such-domain-for-sure.example", True),  # no DNS lookup
        ("ｅｒｉｎ@gatehouse.test", True),  # judged as stored: erin@gatehouse.test
        ("erin@localhost", False),
        ("not-an-email", False),
        ("", False),
        ("erin@", False),
        ("a" * 250 + "@x.test", False),
    ],
)
def test_the_one_rule_accepts_the_demo_domain_and_refuses_malformed_addresses(address, valid):
    assert is_valid_email(address) is valid


def test_a_fullwidth_lookalike_cannot_sign_up_a_second_account(client, accounts_app, make_user, outbox):
    make_user("alice@example.com", name="Alice")
    response = submit(client, "/sign-up", {"name": "Mallory", "email": "ａｌｉｃｅ@example.com", "password": PASSWORD})
    assert response.status_code == 303  # the same answer as for any taken address (enumeration-safe)
    assert stored_user(accounts_app, "alice@example.com").name == "Alice"
    assert stored_user(accounts_app, "ａｌｉｃｅ@example.com") is None
