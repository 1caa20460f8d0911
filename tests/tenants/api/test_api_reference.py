"""Issue 12: the API page, rendered on the server from the OpenAPI document, says what the document says, and
the document says what the bearer check does."""

import re

import pytest

from tenants.api.reference import Ref, code_spans, constraints, text_blocks, type_of

METHODS = ("get", "post", "put", "patch", "delete")


@pytest.fixture
def pages(acme):
    client = acme.test_client()
    return client.get("/api/v1/openapi.json").get_json(), client.get("/docs/api")


def section(html: str, anchor: str) -> str:
    """The <section> of one operation on the page."""
    start = html.index(f'<section class="card operation" id="{anchor}"')
    return html[start : html.index("</section>", start)]


def test_the_page_lists_every_operation_with_its_parameters_and_answers(pages):
    document, page = pages
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    for path, item in document["paths"].items():
        for method in (m for m in METHODS if m in item):
            operation = item[method]
            assert f'<a href="#{operation["operationId"]}">' in html, (method, path)
            part = section(html, operation["operationId"])
            assert f'{method.upper()}</span> <code class="path">{path}</code>' in part
            for parameter in item.get("parameters", []) + operation.get("parameters", []):
                assert f"<code>{parameter['name']}</code>" in part, (path, parameter["name"])
            for status in operation["responses"]:
                assert f'">{status}</span>' in part, (method, path, status)
            scope = operation["security"][0]["gatehouse"][0] if operation.get("security") else None
            assert (f"the <code>{scope}</code> scope" if scope else "No token needed.") in part


def test_the_page_lists_every_schema_and_its_fields(pages):
    document, page = pages
    html = page.get_data(as_text=True)
    for name, schema in document["components"]["schemas"].items():
        assert f'id="schema-{name}"' in html, name
        for field in schema.get("properties", {}):
            assert f"<code>{field}</code>" in html, (name, field)
    assert '<a href="#schema-TodoPage">TodoPage</a>' in html  # answers link their schemas


def test_the_page_is_served_under_the_csp_with_nothing_from_elsewhere(pages):
    _, page = pages
    html = page.get_data(as_text=True)
    assert "script-src 'self'" in page.headers["Content-Security-Policy"]
    assert "<script" not in html and " style=" not in html
    assert not re.findall(r'<link[^>]+href="(?:https?:)?//', html), "no stylesheet from another origin"


def test_the_page_is_linked_from_every_page_and_the_signed_in_header(acme, open_session):
    browser = acme.test_client()
    assert 'href="/docs/api">API reference</a>' in browser.get("/").get_data(as_text=True)
    open_session(acme, browser)
    assert '<a href="/docs/api">API</a>' in browser.get("/todos/").get_data(as_text=True)


def test_how_to_get_a_token_depends_on_the_environment(acme):
    assert "Show access token" in acme.test_client().get("/docs/api").get_data(as_text=True)
    acme.config["GATEHOUSE_ENV"] = "production"
    page = acme.test_client().get("/docs/api").get_data(as_text=True)
    assert "Show access token" not in page and "as its resource gets access tokens" in page


@pytest.mark.parametrize(
    ("schema", "words"),
    [
        ({"$ref": "#/components/schemas/Todo"}, (Ref("Todo"),)),
        ({"type": "array", "items": {"$ref": "#/components/schemas/Org"}}, ("array of ", Ref("Org"))),
        ({"type": ["string", "null"], "format": "date"}, ("string (date)", " or ", "null")),
        ({"enum": ["all", "open", "done"], "default": "all"}, ("one of: all, open, done",)),
        ({"const": "invalid_input"}, ('"invalid_input"',)),
        ({"oneOf": [{"$ref": "#/x/ActorChange"}, {"type": "null"}]}, (Ref("ActorChange"), " or ", "null")),
        (
            {"type": "object", "additionalProperties": {"type": "array", "items": {"type": "string"}}},
            ("object: name → ", "array of ", "string"),
        ),
        ({"type": "object", "properties": {"sub": {}, "name": {}}}, ("object with sub, name",)),
        ({}, ("any JSON",)),
    ],
)
def test_type_of(schema, words):
    assert type_of(schema) == words


@pytest.mark.parametrize(
    ("schema", "text"),
    [
        ({"minLength": 1, "maxLength": 200}, "1–200 characters"),
        ({"maxLength": 255}, "at most 255 characters"),
        ({"minimum": 1, "maximum": 100, "default": 20}, "1 to 100, default 20"),
        ({"pattern": "^[a-z]$"}, "pattern ^[a-z]$"),
        ({"type": "string"}, ""),
    ],
)
def test_constraints(schema, text):
    assert constraints(schema) == text


def test_descriptions_are_escaped_and_their_markdown_read():
    assert code_spans("send `<b>` & <i>x</i>") == "send <code>&lt;b&gt;</code> &amp; &lt;i&gt;x&lt;/i&gt;"
    assert text_blocks("One `a`.\n\n- first\n  runs on\n- second") == (
        "<p>One <code>a</code>.</p>\n<ul><li>first runs on</li><li>second</li></ul>"
    )
