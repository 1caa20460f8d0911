"""Fixtures for passkeys: the relying party tests use, and a software authenticator for it."""

import pytest

from accounts.passkeys.ceremonies import relying_party
from tests.accounts.passkeys.authenticator import SoftwareAuthenticator

RP = relying_party("http://localhost:5000", "Gatehouse Accounts")


@pytest.fixture
def authenticator():
    """A platform authenticator answering for the Accounts origin."""
    return SoftwareAuthenticator(origin=RP.origin, rp_id=RP.id)
