"""One JWT check for every token the tenant receives: one leeway, one algorithm list, one shared JWKS refetch."""

import time

import pytest
from joserfc.jwk import KeySet, RSAKey

from common.clock import utcnow
from tenants.signin import jwts
from tenants.signin.client import provider
from tests.tenants.conftest import sign
from tests.tenants.people import MEMBER, ORG

ISS, AUD = "https://id.example", "acme"
LEEWAY = int(jwts.LEEWAY.total_seconds())


def token(key, **claims) -> str:
    now = int(time.time())
    return sign(key, {"iss": ISS, "aud": AUD, "iat": now, "exp": now + 60} | claims, {"typ": "at+jwt"})


def decode(key, raw: str, **expected):
    keys = KeySet([key]).as_dict(private=False)
    options = {"types": {"at+jwt"}, "issuer": ISS, "audience": AUD, "now": utcnow()} | expected
    return jwts.decode(raw, keys=keys, **options)[1]


@pytest.mark.parametrize(
    ("claims", "accepted"),
    [
        ({"exp": -(LEEWAY - 2)}, True),  # just expired, within the leeway
        ({"exp": -(LEEWAY + 2)}, False),
        ({"iat": LEEWAY - 2}, True),  # the provider's clock a little ahead
        ({"iat": LEEWAY + 2}, False),
        ({"nbf": LEEWAY - 2}, True),
        ({"nbf": LEEWAY + 2}, False),
    ],
    ids=str,
)
def test_every_time_claim_has_the_same_leeway(provider_key, claims, accepted):
    now = int(time.time())
    raw = token(provider_key, **{name: now + offset for name, offset in claims.items()})
    if accepted:
        assert decode(provider_key, raw)["iss"] == ISS
    else:
        with pytest.raises(jwts.InvalidJWT):
            decode(provider_key, raw)


def test_exp_is_optional_only_when_asked(provider_key):
    raw = sign(provider_key, {"iss": ISS, "aud": AUD, "iat": int(time.time())}, {"typ": "at+jwt"})
    with pytest.raises(jwts.InvalidJWT, match="exp"):
        decode(provider_key, raw)
    assert decode(provider_key, raw, require_exp=False)["aud"] == AUD


def test_only_asymmetric_algorithms_are_allowed():
    assert not [a for a in jwts.ALGORITHMS if a == "none" or a.startswith("HS")]


@pytest.fixture
def refetches(acme_app, fake_provider, monkeypatch, provider_key):
    """Acme with the stand-in provider; counts forced JWKS fetches (which serve only provider_key)."""
    app = fake_provider(acme_app)
    forced = []

    def fetch(force=False):
        if force:
            forced.append(time.monotonic())
        return KeySet([provider_key]).as_dict(private=False)

    with app.app_context():
        monkeypatch.setattr(provider(), "fetch_jwk_set", fetch)
    return app, forced


def test_one_jwks_refetch_per_interval_is_shared_by_access_and_logout_tokens(refetches, access_token, logout_token):
    app, forced = refetches
    stranger = RSAKey.generate_key(2048, parameters={"kid": "made-up", "alg": "RS256"})
    bearer = {"Authorization": f"Bearer {access_token(app, MEMBER, key=stranger)}"}

    assert app.test_client().get(f"/api/v1/orgs/{ORG}/todos", headers=bearer).status_code == 401
    refused = app.test_client().post("/auth/backchannel-logout", data={"logout_token": logout_token(app, key=stranger)})

    assert refused.status_code == 400
    assert len(forced) == 1, "the logout token did not buy a second refetch"


def test_a_logout_token_from_a_rotated_key_is_accepted_after_the_refetch(
    acme_app, fake_provider, monkeypatch, logout_token, provider_key
):
    app = fake_provider(acme_app)
    rotated = RSAKey.generate_key(2048, parameters={"kid": "provider-key-2", "alg": "RS256"})

    def fetch(force=False):
        return KeySet([rotated] if force else [provider_key]).as_dict(private=False)

    with app.app_context():
        monkeypatch.setattr(provider(), "fetch_jwk_set", fetch)
    answer = app.test_client().post("/auth/backchannel-logout", data={"logout_token": logout_token(app, key=rotated)})

    assert answer.status_code == 200
