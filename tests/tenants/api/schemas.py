"""Check API answers against the schemas of the OpenAPI document the API serves."""

from openapi_schema_validator import OAS31Validator


def assert_matches(document: dict, schema: str, body) -> None:
    """Raise if body does not match #/components/schemas/<schema> of the document."""
    OAS31Validator({"$ref": f"#/components/schemas/{schema}", "components": document["components"]}).validate(body)
