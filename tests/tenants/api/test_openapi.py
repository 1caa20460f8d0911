"""The OpenAPI document: valid OpenAPI 3.1, and exactly the API's routes and answers."""

import re

import pytest
from openapi_spec_validator import validate

from tests.tenants.people import MEMBER

PREFIX = "/api/v1"


def routes(app) -> set[tuple[str, str]]:
    """(path as OpenAPI writes it, method) for every API route of the app."""
    found = set()
    for rule in app.url_map.iter_rules():
        if rule.rule.startswith(PREFIX + "/"):
            path = re.sub(r"<(?:[a-z]+:)?([a-z_]+)>", r"{\1}", rule.rule[len(PREFIX) :])
            found |= {(path, method.lower()) for method in rule.methods - {"HEAD", "OPTIONS"}}
    return found


def documented(document: dict) -> set[tuple[str, str]]:
    methods = {"get", "post", "put", "patch", "delete"}
    return {(path, method) for path, item in document["paths"].items() for method in item if method in methods}


@pytest.mark.parametrize("tenant", ["acme", "globex"])
def test_the_document_is_valid_openapi_and_names_this_tenant(request, tenant):
    app = request.getfixturevalue(tenant)
    response = app.test_client().get("/api/v1/openapi.json")
    assert response.status_code == 200 and response.mimetype == "application/json"
    document = response.get_json()
    validate(document)
    assert document["openapi"].startswith("3.1")
    assert document["servers"] == [{"url": f"{app.config['TENANT'].url}/api/v1"}]
    assert f"`aud` contains `{app.config['TENANT'].audience}`" in document["info"]["description"]


def test_every_route_is_documented_and_every_documented_route_exists(acme):
    document = acme.test_client().get("/api/v1/openapi.json").get_json()
    assert routes(acme) == documented(document)


def test_every_secured_operation_documents_its_answers(acme):
    document = acme.test_client().get("/api/v1/openapi.json").get_json()
    for path, method in documented(document):
        operation = document["paths"][path][method]
        if operation.get("security") == []:
            continue
        scopes = operation["security"][0]["gatehouse"]
        assert scopes == ["todos:read" if method == "get" else "todos:write"], (path, method)
        assert {"401", "403", "503"} <= set(operation["responses"]), (path, method)
        if "{org_id}" in path:
            assert "404" in operation["responses"], (path, method)
        if method in {"post", "patch"}:
            assert {"400", "415", "422"} <= set(operation["responses"]), (path, method)
            assert "WWW-Authenticate" in operation["responses"]["401"]["headers"]


def test_the_documented_audience_is_the_one_the_bearer_check_accepts(acme, api, access_token):
    document = acme.test_client().get("/api/v1/openapi.json").get_json()
    documented = re.search(r"`aud` contains `([^`]+)`", document["info"]["description"]).group(1)
    tenant = acme.config["TENANT"]
    assert documented == tenant.audience == tenant.url and documented != tenant.client_id
    assert documented in document["components"]["securitySchemes"]["gatehouse"]["description"]
    assert api(acme, "GET", "/api/v1/orgs", access_token(acme, MEMBER, aud=documented)).status_code == 200
    refused = api(acme, "GET", "/api/v1/orgs", access_token(acme, MEMBER, aud=tenant.client_id))
    assert refused.status_code == 401 and "audience" in refused.headers["WWW-Authenticate"]
