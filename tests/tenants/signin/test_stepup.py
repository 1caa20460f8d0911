"""The step-up rule as a plain function: acr, amr and auth_time of the session's ID token (SPEC §2.2)."""

import pytest

from tenants.signin.stepup import MFA_ACR, STEP_UP_MAX_AGE, second_factor_fresh, step_up_max_age

NOW = 2_000_000_000
GOOD = {"acr": MFA_ACR, "amr": ["pwd", "otp"], "auth_time": NOW - 60}


@pytest.mark.parametrize(
    ("changes", "fresh"),
    [
        ({}, True),
        ({"auth_time": NOW - 600}, True),
        ({"auth_time": NOW - 601}, False),
        ({"auth_time": NOW + 30}, True),  # a provider clock a little ahead
        ({"auth_time": NOW + 3600}, False),  # nonsense from the future
        ({"auth_time": float(NOW - 60)}, True),
        ({"auth_time": True}, False),
        ({"auth_time": str(NOW)}, False),
        ({"auth_time": None}, False),
        ({"amr": ["pwd"]}, False),
        ({"amr": "otp"}, False),  # a string, not the RFC 8176 list
        ({"amr": None}, False),
        ({"acr": None}, False),
        ({"acr": "urn:example:loa:1"}, False),
        ({"amr": ["otp"]}, True),
        ({"amr": ["fed", "mfa"]}, True),  # an upstream sign-in Accounts trusts as multi-factor
        ({"amr": ["fed"]}, False),  # an upstream sign-in is one factor
    ],
)
def test_second_factor_fresh(changes, fresh):
    claims = {k: v for k, v in (GOOD | changes).items() if v is not None}
    assert second_factor_fresh(claims, now=NOW, max_age=STEP_UP_MAX_AGE) is fresh


def test_no_claims_is_not_fresh():
    assert second_factor_fresh({}, now=NOW, max_age=STEP_UP_MAX_AGE) is False


@pytest.mark.parametrize(
    ("raw", "seconds"),
    [
        ("600", 600),
        ("60", 60),
        ("0", 0),
        ("86400", 86400),
        ("86401", 600),
        ("-1", 600),
        ("1e3", 600),
        (None, 600),
        ("9" * 5000, 600),
        ("٦٠٠", 600),
    ],
)
def test_step_up_max_age(raw, seconds):
    assert step_up_max_age(raw) == seconds
