"""SPEC §1: each tenant is a config file with its own name, colours and URL; no code per tenant."""

import pytest

import tenants
from tenants.signin.client import discovery_url, requested_scopes
from tenants.site import settings
from tenants.site.settings import TenantConfigError, available_tenants, load_settings


def test_acme_and_globex_are_shipped():
    assert available_tenants() == ["acme", "globex"]


@pytest.mark.parametrize(
    ("slug", "name", "tagline", "colour"),
    [
        ("acme", "Acme", "Acme Corporation · team todos", "#b91c1c"),
        ("globex", "Globex", "Globex Corporation · getting things done", "#1d4ed8"),
    ],
)
def test_each_tenant_renders_its_own_name_and_colours(request, slug, name, tagline, colour):
    client = request.getfixturevalue(f"{slug}_app").test_client()
    html = client.get("/").get_data(as_text=True)
    assert f'<a class="brand" href="/">{name}</a>' in html
    assert tagline in html
    assert '<link rel="stylesheet" href="/theme.css">' in html
    theme = client.get("/theme.css")
    assert theme.status_code == 200
    assert theme.mimetype == "text/css"
    assert f"--brand-primary: {colour};" in theme.get_data(as_text=True)


def test_one_tenant_shows_nothing_of_the_other(acme_app, globex_app):
    assert "Globex" not in acme_app.test_client().get("/").get_data(as_text=True)
    assert "Acme" not in globex_app.test_client().get("/").get_data(as_text=True)
    assert "#1d4ed8" not in acme_app.test_client().get("/theme.css").get_data(as_text=True)


def test_the_settings_come_from_the_file():
    acme = load_settings("acme")
    assert (acme.name, acme.url, acme.issuer, acme.client_id) == (
        "Acme",
        "http://localhost:5001",
        "http://localhost:5000",
        "acme",
    )
    assert acme.client_secret is None  # a public client unless a secret is configured


def test_the_environment_overrides_the_file(monkeypatch):
    monkeypatch.setenv("ACME_URL", "http://127.0.0.2:5001/")
    monkeypatch.setenv("ACME_ISSUER", "http://127.0.0.1:5000")
    monkeypatch.setenv("ACME_CLIENT_SECRET", "s3cret")
    acme = load_settings("acme")
    assert (acme.url, acme.issuer, acme.client_secret) == ("http://127.0.0.2:5001", "http://127.0.0.1:5000", "s3cret")


def test_the_security_page_for_step_up_defaults_to_the_issuers(monkeypatch):
    assert load_settings("acme").security_url == "http://localhost:5000/security"
    monkeypatch.setenv("ACME_SECURITY_URL", "https://id.example/account/mfa")
    assert load_settings("acme").security_url == "https://id.example/account/mfa"


@pytest.mark.parametrize("slug", ["initech", "../acme", "acme/../globex", "ACME", "", "a" * 40, "acme.toml"])
def test_an_unknown_tenant_is_refused(slug):
    with pytest.raises(TenantConfigError):
        load_settings(slug)
    with pytest.raises(TenantConfigError):
        tenants.create_app(slug)


@pytest.fixture
def tenant_dir(tmp_path, monkeypatch):
    """An empty tenants/ folder to write tenant files into."""
    monkeypatch.setattr(settings, "TENANTS_DIR", tmp_path)
    return tmp_path


VALID = 'name = "Initech"\nurl = "http://localhost:5003"\nissuer = "http://localhost:5000"\nclient_id = "initech"\n'


@pytest.mark.parametrize(
    ("content", "problem"),
    [
        ('url = "http://localhost:5003"\nissuer = "http://localhost:5000"\nclient_id = "i"\n', "missing name"),
        ('name = "Initech"\nissuer = "http://localhost:5000"\nclient_id = "i"\n', "missing url"),
        (VALID + '[colours]\nprimary = "red"\n', "colours must be #rrggbb"),
        (VALID + '[colours]\nprimary = "#fff; } body { display: none"\n', "colours must be #rrggbb"),
        ('name = "Initech\nurl = ', "not valid TOML"),
        (VALID + "colours = 3\n", "colours must be a table"),
        ('name = 42\nurl = "http://localhost:5003"\nissuer = "http://localhost:5000"\nclient_id = "i"\n', "name"),
    ],
)
def test_a_broken_tenant_file_is_refused_with_a_clear_error(tenant_dir, content, problem):
    (tenant_dir / "initech.toml").write_text(content)
    with pytest.raises(TenantConfigError, match=problem):
        load_settings("initech")


def test_a_third_tenant_is_just_a_file(tenant_dir, monkeypatch):
    (tenant_dir / "initech.toml").write_text(VALID + '[colours]\nprimary = "#0f766e"\n')
    monkeypatch.setenv("INITECH_SECRET_KEY", "kM3q9ZxT7vLw2RbN8yHc4JfPd6GsEa1Uo5Ki0WnVrQ")
    monkeypatch.setenv("INITECH_SILENT_SSO", "0")  # a first visit would otherwise go ask the provider
    assert available_tenants() == ["initech"]
    app = tenants.create_app("initech", {"TESTING": True})
    client = app.test_client()
    assert "Initech" in client.get("/").get_data(as_text=True)
    assert "--brand-primary: #0f766e;" in client.get("/theme.css").get_data(as_text=True)
    assert app.config["SESSION_COOKIE_NAME"] == "gatehouse_initech"


def test_the_provider_settings_default_to_todays_accounts_setup():
    acme = load_settings("acme")
    assert (acme.scopes, acme.orgs_claim, acme.offline_access) == (None, "orgs", True)
    accounts = {
        "scopes_supported": ["openid", "profile", "email", "offline_access", "todos:read", "todos:write", "orgs"]
    }
    assert requested_scopes(acme, accounts).split() == [
        "openid",
        "profile",
        "email",
        "orgs",
        "todos:read",
        "todos:write",
        "offline_access",
    ]


@pytest.mark.parametrize(
    ("toml", "env", "supported", "asked"),
    [
        ("", {}, None, "openid profile email orgs todos:read todos:write offline_access"),  # nothing listed: all
        ("", {}, ["openid", "email"], "openid email"),
        ("", {}, ["email"], "openid email"),  # openid is the protocol itself, always asked
        ('orgs_claim = "none"\n', {}, None, "openid profile email todos:read todos:write offline_access"),
        ("offline_access = false\n", {}, None, "openid profile email orgs todos:read todos:write"),
        ('scopes = ["profile", "groups"]\n', {}, ["openid"], "openid profile groups offline_access"),  # as configured
        ("", {"INITECH_SCOPES": "openid email"}, ["openid"], "openid email offline_access"),
        ("", {"INITECH_OFFLINE_ACCESS": "0", "INITECH_SCOPES": "email offline_access"}, None, "openid email"),
    ],
)
def test_the_scopes_asked_for(tenant_dir, monkeypatch, toml, env, supported, asked):
    (tenant_dir / "initech.toml").write_text(VALID + toml)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    meta = {"scopes_supported": supported} if supported is not None else {}
    assert requested_scopes(load_settings("initech"), meta) == asked


@pytest.mark.parametrize(
    ("toml", "env", "claim"),
    [
        ("", None, "orgs"),
        ('orgs_claim = "groups"\n', None, "groups"),
        ('orgs_claim = ""\n', None, None),
        ('orgs_claim = "none"\n', None, None),
        ('orgs_claim = "groups"\n', "none", None),
        ("", "https://example.com/orgs", "https://example.com/orgs"),
    ],
)
def test_the_orgs_claim_setting(tenant_dir, monkeypatch, toml, env, claim):
    (tenant_dir / "initech.toml").write_text(VALID + toml)
    if env is not None:
        monkeypatch.setenv("INITECH_ORGS_CLAIM", env)
    assert load_settings("initech").orgs_claim == claim


@pytest.mark.parametrize(
    ("content", "problem"),
    [
        ("scopes = 3\n", "scopes must be a list"),
        ('scopes = ["a b"]\n', "scopes must be a list"),
        ('scopes = ["ok", 7]\n', "scopes must be a list"),
        ('orgs_claim = "has space"\n', "orgs_claim must be a claim name"),
        ("orgs_claim = 3\n", "orgs_claim must be a claim name"),
    ],
)
def test_broken_provider_settings_are_refused(tenant_dir, content, problem):
    (tenant_dir / "initech.toml").write_text(VALID + content)
    with pytest.raises(TenantConfigError, match=problem):
        load_settings("initech")


def test_an_issuer_ending_in_a_slash_is_kept_exactly_and_discovered_without_it(monkeypatch):
    monkeypatch.setenv("ACME_ISSUER", "https://tenant.id.example/")
    acme = load_settings("acme")
    assert acme.issuer == "https://tenant.id.example/", "OIDC Discovery §4.3 compares issuers exactly"
    assert discovery_url(acme.issuer) == "https://tenant.id.example/.well-known/openid-configuration"


def test_a_signed_in_tenant_page_is_not_stored(acme_app, open_session):
    client = acme_app.test_client()
    assert "no-store" not in client.get("/").headers.get("Cache-Control", "")
    open_session(acme_app, client)
    assert client.get("/").headers["Cache-Control"] == "no-store"
    assert client.get("/theme.css").headers["Cache-Control"] == "public, max-age=300"


def test_in_development_a_tenant_links_the_other_tenant_accounts_and_the_outbox(acme_app, monkeypatch):
    monkeypatch.setenv("GLOBEX_URL", "http://globex.test")
    acme_app.config["DEMO_TOUR"] = True
    html = acme_app.test_client().get("/").get_data(as_text=True)
    issuer = acme_app.config["TENANT"].issuer
    assert 'href="http://globex.test/"' in html
    assert f'href="{issuer}/"' in html and f'href="{issuer}/dev/outbox/"' in html
