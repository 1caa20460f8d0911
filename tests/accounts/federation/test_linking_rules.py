"""The linking rules of upstream sign-in (accounts/federation/services.py), as tables."""

import pytest

from accounts.federation import services
from accounts.federation.client import UpstreamIdentity
from accounts.federation.config import UpstreamSettings
from accounts.oidc.assurance import MFA_ACR, used_second_factor


def upstream(**settings) -> UpstreamSettings:
    return UpstreamSettings(
        slug="corp",
        name="Corp",
        client_id="c",
        client_secret=None,
        scopes=("openid",),
        issuer="https://corp",
        **settings,
    )


def identity(**claims) -> UpstreamIdentity:
    base = {"iss": "https://corp", "sub": "1", "email": "a@example.com", "email_verified": True, "name": "A"}
    return UpstreamIdentity(**{**base, "acr": None, "amr": (), **claims})


@pytest.mark.parametrize(
    ("has_email", "trusted", "account_exists", "outcome"),
    [
        (True, True, True, services.PROVE),  # never merged silently: the owner proves it
        (True, False, True, services.REFUSE_TAKEN),  # an unverified or untrusted address never links
        (True, True, False, services.CREATE),
        (True, False, False, services.CREATE),  # a new account whose address is then confirmed by mail
        (False, False, False, services.REFUSE_NO_EMAIL),
    ],
)
def test_first_sign_in_of_an_unknown_identity(has_email, trusted, account_exists, outcome):
    assert (
        services.first_sign_in_outcome(has_email=has_email, trusted=trusted, account_exists=account_exists) == outcome
    )


@pytest.mark.parametrize(
    ("trust", "verified", "email", "trusted"),
    [
        (True, True, "a@example.com", True),
        (True, False, "a@example.com", False),
        (False, True, "a@example.com", False),
        (True, True, None, False),
    ],
)
def test_an_address_is_trusted_only_when_verified_upstream_and_trusted_by_its_file(trust, verified, email, trusted):
    result = services.email_trusted(
        upstream(trust_email_verified=trust), identity(email_verified=verified, email=email)
    )
    assert result is trusted


@pytest.mark.parametrize(
    ("has_password", "other_identities", "has_passkey", "allowed"),
    [
        (False, 0, False, False),  # the last way in
        (True, 0, False, True),
        (False, 1, False, True),
        (False, 0, True, True),
    ],
)
def test_unlinking_never_removes_the_last_way_in(has_password, other_identities, has_passkey, allowed):
    assert (
        services.can_unlink(has_password=has_password, other_identities=other_identities, has_passkey=has_passkey)
        is allowed
    )


@pytest.mark.parametrize(
    ("trust_acr", "claims", "amr"),
    [
        (False, {}, ["fed"]),
        (False, {"acr": MFA_ACR, "amr": ("pwd", "otp")}, ["fed"]),  # not trusted: one factor whatever it says
        (True, {}, ["fed"]),
        (True, {"acr": MFA_ACR}, ["fed", "mfa"]),
        (True, {"amr": ("pwd", "otp")}, ["fed", "mfa"]),
        (True, {"amr": ("pwd",)}, ["fed"]),
    ],
)
def test_an_upstream_sign_in_is_one_factor_unless_its_file_trusts_its_mfa(trust_acr, claims, amr):
    methods = services.amr_for(upstream(trust_acr=trust_acr), identity(**claims))
    assert methods == amr
    assert used_second_factor(methods) is ("mfa" in amr)
