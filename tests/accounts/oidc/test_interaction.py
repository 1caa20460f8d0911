"""The authorization endpoint's decision rules, tested as plain functions (OIDC Core §3.1.2.1)."""

import pytest

from accounts.oidc.interaction import BadMaxAge, Step, next_step, parse_max_age, return_after_sign_in, scope_covered

NOW = 1_000_000


def decide(prompt="", max_age=None, signed_in=True, auth_time=NOW - 10, consent_needed=False) -> Step:
    return next_step(
        prompts=set(prompt.split()),
        max_age=max_age,
        signed_in=signed_in,
        auth_time=auth_time if signed_in else None,
        now=NOW,
        consent_needed=consent_needed,
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
    ("path", "expected"),
    [
        ("/authorize?client_id=a&prompt=login&state=s", "/authorize?client_id=a&state=s"),
        ("/authorize?prompt=login+consent&max_age=0", "/authorize?prompt=consent"),
        ("/authorize?client_id=a&prompt=consent", "/authorize?client_id=a&prompt=consent"),
        (
            "/authorize?redirect_uri=https%3A%2F%2Fa.example%2Fcb",
            "/authorize?redirect_uri=https%3A%2F%2Fa.example%2Fcb",
        ),
    ],
)
def test_return_after_sign_in_drops_only_the_demand_for_a_fresh_sign_in(path, expected):
    assert return_after_sign_in(path) == expected


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
