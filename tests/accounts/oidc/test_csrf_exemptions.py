"""Only machine endpoints skip CSRF protection; every browser form keeps it."""

from accounts.extensions import csrf


def test_only_token_revocation_introspection_and_userinfo_are_exempt(accounts_app):
    oidc_exempt = {name for name in csrf._exempt_views if name.startswith("accounts.oidc.")}
    assert oidc_exempt == {
        "accounts.oidc.views.token",
        "accounts.oidc.views.revoke",
        "accounts.oidc.views.introspect",
        # Bearer API: the access token authenticates, no cookie does.
        "accounts.oidc.views.userinfo",
    }


def test_browser_forms_of_the_provider_need_a_csrf_token(signed_in, client):
    for path in ("/authorize", "/end-session", "/connected-apps/x/disconnect"):
        response = client.post(path, data={})
        assert response.status_code == 400, path
        assert "Form expired" in response.get_data(as_text=True)
