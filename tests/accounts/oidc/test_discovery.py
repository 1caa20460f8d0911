"""OpenID Connect Discovery 1.0 / RFC 8414: the metadata advertises exactly what the provider supports."""

from authlib.oauth2.rfc9207 import AuthorizationServerMetadata as IssuerParameterMetadata
from authlib.oidc.discovery import OpenIDProviderMetadata
from authlib.oidc.rpinitiated import OpenIDProviderMetadata as EndSessionMetadata

from .conftest import ISSUER


def _metadata(client) -> dict:
    response = client.get("/.well-known/openid-configuration")
    assert response.status_code == 200
    return response.get_json()


def test_metadata_is_valid_per_authlib(client):
    metadata = OpenIDProviderMetadata(_metadata(client))
    # The test issuer is http://localhost:5000, which Authlib accepts as loopback.
    metadata.validate(metadata_classes=[EndSessionMetadata, IssuerParameterMetadata])


def test_metadata_advertises_exactly_the_supported_features(client):
    metadata = _metadata(client)
    assert metadata["issuer"] == ISSUER
    assert metadata["response_types_supported"] == ["code"]
    assert metadata["response_modes_supported"] == ["query"]
    assert metadata["code_challenge_methods_supported"] == ["S256"]
    assert metadata["grant_types_supported"] == ["authorization_code", "refresh_token"]
    assert metadata["id_token_signing_alg_values_supported"] == ["RS256"]
    assert metadata["introspection_endpoint_auth_methods_supported"] == ["client_secret_basic", "client_secret_post"]
    assert metadata["backchannel_logout_supported"] is True
    assert metadata["backchannel_logout_session_supported"] is True
    assert metadata["authorization_response_iss_parameter_supported"] is True
    assert metadata["request_parameter_supported"] is False
    assert set(metadata["prompt_values_supported"]) == {"none", "login", "consent"}
    assert "frontchannel_logout_supported" not in metadata


def test_every_advertised_endpoint_exists(client):
    metadata = _metadata(client)
    expected = {
        "authorization_endpoint": "/authorize",
        "token_endpoint": "/oauth/token",
        "userinfo_endpoint": "/oauth/userinfo",
        "jwks_uri": "/oauth/jwks",
        "revocation_endpoint": "/oauth/revoke",
        "introspection_endpoint": "/oauth/introspect",
        "end_session_endpoint": "/end-session",
    }
    for name, path in expected.items():
        assert metadata[name] == ISSUER + path
        # Reachable: anything but 404 (most need parameters or credentials).
        assert client.get(path).status_code != 404, path


def test_advertised_scopes_include_the_tenant_scopes(client):
    assert set(_metadata(client)["scopes_supported"]) == {
        "openid",
        "profile",
        "email",
        "offline_access",
        "todos:read",
        "todos:write",
        "orgs",
    }


def test_metadata_does_not_depend_on_the_host_header(client):
    response = client.get("/.well-known/openid-configuration", headers={"Host": "evil.example"})
    assert response.get_json()["token_endpoint"] == ISSUER + "/oauth/token"
