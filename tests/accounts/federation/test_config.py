"""Upstream provider files (accounts/federation/config.py): one TOML per provider, overridable from the environment."""

import pytest

from accounts.federation.client import map_userinfo
from accounts.federation.config import UpstreamConfigError, load_upstream, load_upstreams

OPENID = 'name = "Corp"\nissuer = "https://id.corp.example"\nclient_id = "gatehouse"\n'
OAUTH2 = """name = "GitHub"
client_id = "Iv1"
authorize_url = "https://github.com/login/oauth/authorize"
token_url = "https://github.com/login/oauth/access_token"
userinfo_url = "https://api.github.com/user"
scopes = ["read:user", "user:email"]
[claims]
sub = "id"
email = "email"
name = "login"
"""


@pytest.fixture
def folder(tmp_path):
    def write(slug: str, text: str):
        (tmp_path / f"{slug}.toml").write_text(text)
        return tmp_path

    return write


def test_an_openid_provider_is_a_file_with_defaults(folder):
    corp = load_upstream(folder("corp", OPENID), "corp")

    assert (corp.name, corp.issuer, corp.client_id, corp.client_secret) == (
        "Corp",
        "https://id.corp.example",
        "gatehouse",
        None,
    )
    assert corp.scopes == ("openid", "profile", "email")
    assert corp.openid and corp.identity_issuer == "https://id.corp.example"
    assert not corp.trust_email_verified and not corp.trust_acr, "trust is opt-in"


def test_the_environment_overrides_the_file(folder, monkeypatch):
    monkeypatch.setenv("UPSTREAM_CORP_CLIENT_SECRET", "from-env")
    monkeypatch.setenv("UPSTREAM_CORP_ISSUER", "http://localhost:5010")
    monkeypatch.setenv("UPSTREAM_CORP_TRUST_EMAIL_VERIFIED", "1")

    corp = load_upstream(folder("corp", OPENID), "corp")

    assert (corp.client_secret, corp.issuer, corp.trust_email_verified) == ("from-env", "http://localhost:5010", True)


def test_a_disabled_file_is_skipped_until_the_environment_enables_it(folder, monkeypatch):
    path = folder("dev", OPENID + "enabled = false\n")
    assert load_upstreams(path) == {}
    monkeypatch.setenv("UPSTREAM_DEV_ENABLED", "1")
    assert list(load_upstreams(path)) == ["dev"]


def test_a_plain_oauth2_provider_maps_its_userinfo(folder):
    github = load_upstream(folder("github", OAUTH2), "github")

    assert not github.openid and github.identity_issuer == "https://github.com"
    assert github.scopes == ("read:user", "user:email"), "no openid scope for a plain OAuth 2 provider"
    claims = map_userinfo(github, {"id": 583231, "login": "octocat", "email": "octo@example.com"})
    assert claims == {"iss": "https://github.com", "sub": 583231, "email": "octo@example.com", "name": "octocat"}


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ('name = "X"\nclient_id = "c"\n', "missing"),
        ('name = "X"\nissuer = 3\nclient_id = "c"\n', "must be text"),
        (OPENID + "scopes = [1]\n", "scopes"),
        (OAUTH2 + 'picture = "avatar_url"\n', "[claims] knows only"),
        ("name = ", "not valid TOML"),
    ],
)
def test_an_invalid_file_is_refused_at_start(folder, text, problem):
    with pytest.raises(UpstreamConfigError, match=problem.replace("[", r"\[")):
        load_upstream(folder("corp", text), "corp")
