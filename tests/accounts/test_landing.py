"""Issue 12: Accounts' start page links the apps one account opens; the demo logins show in development only."""

from accounts.extensions import db
from accounts.oidc.cli import tenant_registration
from accounts.oidc.clients import register_client


def test_the_start_page_links_every_first_party_app(client, accounts_app):
    with accounts_app.app_context():
        register_client(tenant_registration("Globex", "http://127.0.0.3:5002"), "globex")
        register_client(tenant_registration("Acme", "http://127.0.0.2:5001"), "acme")
        db.session.commit()
    html = client.get("/").get_data(as_text=True)
    assert html.index('href="http://127.0.0.2:5001/"') < html.index('href="http://127.0.0.3:5002/"')  # by name


def test_demo_logins_are_shown_in_development_only(client, accounts_app):
    assert "alice-demo-password" not in client.get("/").get_data(as_text=True)
    accounts_app.config["DEMO_TOUR"] = True
    html = client.get("/").get_data(as_text=True)
    assert "alice-demo-password" in html and "admin@gatehouse.test" in html
    assert "Try this" in html


def test_the_demo_tour_is_on_in_development_and_off_otherwise(monkeypatch):
    from common.settings import base_config

    for env, on in (("development", True), ("testing", False), ("production", False)):
        monkeypatch.setenv("GATEHOUSE_ENV", env)
        monkeypatch.setenv("X_SECRET_KEY", "kM3q9ZxT7vLw2RbN8yHc4JfPd6GsEa1Uo5Ki0WnVrQ")
        config = base_config(site="x", cookie_name="x", secret_env="X_SECRET_KEY", instance_path="/nonexistent")
        assert config["DEMO_TOUR"] is on, env
