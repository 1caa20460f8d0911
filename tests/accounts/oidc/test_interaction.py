"""The authorization endpoint's decision rules, tested as plain functions (OIDC Core §3.1.2.1)."""

import pytest

from accounts.oidc.assurance import MFA_ACR, acr_for, second_factor_missing, wants_second_factor
from accounts.oidc.interaction import BadMaxAge, Step, login_checks, next_step, parse_max_age, scope_covered

NOW = 1_000_000


def decide(
    prompt="", max_age=None, signed_in=True, auth_time=NOW - 10, consent_needed=False, second_factor_missing=False
) -> Step:
    return next_step(
        prompts=set(prompt.split()),
        max_age=max_age,
        signed_in=signed_in,
        auth_time=auth_time if signed_in else None,
        now=NOW,
        consent_needed=consent_needed,
        second_factor_missing=second_factor_missing,
    )


@pytest.mark.parametrize(
    ("kwargs", "step"),
    [
        ({}, Step.ISSUE),
        ({"signed_in": False}, Step.SIGN_IN),
        ({"prompt": "login"}, Step.SIGN_IN),
        ({"max_age": 60}, Step.ISSUE),
        ({"max_age": 5}, Step.SIGN_IN),
        ({"max_age": 0}, Step.SIGN_IN),
        ({"consent_needed": True}, Step.CONSENT),
        ({"prompt": "consent"}, Step.CONSENT),
        ({"prompt": "login consent"}, Step.SIGN_IN),
        ({"prompt": "none"}, Step.ISSUE),
        ({"prompt": "none", "signed_in": False}, Step.LOGIN_REQUIRED),
        ({"prompt": "none", "max_age": 5}, Step.LOGIN_REQUIRED),
        ({"prompt": "none", "consent_needed": True}, Step.CONSENT_REQUIRED),
        ({"prompt": "none", "signed_in": False, "consent_needed": True}, Step.LOGIN_REQUIRED),
        ({"second_factor_missing": True}, Step.SIGN_IN),
        ({"second_factor_missing": True, "consent_needed": True}, Step.SIGN_IN),
        ({"prompt": "none", "second_factor_missing": True}, Step.LOGIN_REQUIRED),
    ],
)
def test_next_step(kwargs, step):
    assert decide(**kwargs) is step


@pytest.mark.parametrize(("value", "seconds"), [(None, None), ("", None), ("0", 0), ("3600", 3600)])
def test_parse_max_age(value, seconds):
    assert parse_max_age(value) == seconds


@pytest.mark.parametrize("value", ["-1", "1.5", "abc", "12345678901", " 5"])
def test_parse_max_age_refuses_junk(value):
    with pytest.raises(BadMaxAge):
        parse_max_age(value)


@pytest.mark.parametrize(
    ("situation", "expected"),
    [
        ({}, []),
        ({"signed_in": False, "auth_time": None}, ["no_session"]),
        ({"prompts": {"login"}}, ["login_prompt"]),
        ({"max_age": 5}, ["max_age"]),
        (
            {"max_age": 5, "prompts": {"login"}, "second_factor_missing": True},
            ["login_prompt", "max_age", "essential_acr"],
        ),
        # Back from the sign-in this request sent the user to: prompt=login and max_age are answered.
        ({"max_age": 5, "prompts": {"login"}, "answered": True}, []),
        # An answered demand never stands in for a missing second factor or a missing session.
        ({"answered": True, "second_factor_missing": True}, ["essential_acr"]),
        ({"answered": True, "signed_in": False, "auth_time": None}, ["no_session"]),
    ],
)
def test_login_checks_name_what_tripped(situation, expected):
    base = {"prompts": set(), "max_age": None, "signed_in": True, "auth_time": NOW - 10, "now": NOW}
    assert login_checks(**{**base, **situation}) == expected


@pytest.mark.parametrize(
    ("requested", "granted", "covered"),
    [
        ("openid email", "openid email profile", True),
        ("openid email", "openid", False),
        ("openid", None, False),
        ("openid", "", False),
    ],
)
def test_scope_covered(requested, granted, covered):
    assert scope_covered(requested, granted) is covered


@pytest.mark.parametrize(
    ("acr_values", "amr", "enrolled", "missing"),
    [
        (MFA_ACR, ["pwd"], True, True),
        (MFA_ACR, ["pwd", "otp"], True, False),
        (f"urn:example:loa:1 {MFA_ACR}", ["pwd"], True, True),
        # Nobody can be asked for a factor they do not have: the token then goes without acr.
        (MFA_ACR, ["pwd"], False, False),
        (None, ["pwd"], True, False),
        ("urn:example:loa:4", ["pwd"], True, False),
    ],
)
def test_second_factor_missing(acr_values, amr, enrolled, missing):
    wanted = wants_second_factor(acr_values)
    assert second_factor_missing(wanted=wanted, amr=amr, enrolled=enrolled) is missing


@pytest.mark.parametrize(("amr", "acr"), [(["pwd"], None), (["pwd", "otp"], MFA_ACR), ([], None)])
def test_acr_follows_the_methods_used(amr, acr):
    assert acr_for(amr) == acr
