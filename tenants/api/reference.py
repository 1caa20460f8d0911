"""The OpenAPI document read for people: operations, parameters, bodies, answers and schemas, ready to render.

Plain functions over the document openapi.py builds, so the API page can never say something the
document does not (and the tests check the page names every path, schema and status code).
"""

import json
from dataclasses import dataclass

from markupsafe import Markup, escape

METHODS = ("get", "post", "put", "patch", "delete")


@dataclass(frozen=True)
class Ref:
    """A link to a schema of the document's components."""

    name: str


@dataclass(frozen=True)
class Field:
    name: str
    type: tuple  # pieces: str or Ref
    required: bool
    description: str
    constraints: str


@dataclass(frozen=True)
class Parameter:
    name: str
    location: str
    type: tuple
    required: bool
    description: str
    constraints: str


@dataclass(frozen=True)
class Answer:
    status: str
    description: str
    type: tuple
    headers: tuple[tuple[str, str], ...]


@dataclass(frozen=True)
class Operation:
    method: str
    path: str
    anchor: str
    summary: str
    scope: str | None
    parameters: tuple[Parameter, ...]
    body: tuple | None
    answers: tuple[Answer, ...]


@dataclass(frozen=True)
class Schema:
    name: str
    description: str
    type: tuple
    fields: tuple[Field, ...]
    closed: bool  # additionalProperties: false


@dataclass(frozen=True)
class Reference:
    title: str
    description: str
    server: str
    security: str
    discovery_url: str
    operations: tuple[Operation, ...]
    schemas: tuple[Schema, ...]


def code_spans(text: str) -> Markup:
    """Escape text and show its `backticked` words as <code>, as the document's Markdown means them."""
    parts = text.split("`") if text.count("`") % 2 == 0 else [text]
    return Markup("").join(Markup("<code>{}</code>").format(p) if i % 2 else escape(p) for i, p in enumerate(parts))


def text_blocks(text: str) -> Markup:
    """The little Markdown the document's descriptions use: paragraphs, "- " lists (lines may run on), `code`."""
    html = []
    for block in text.strip().split("\n\n"):
        lines = [line.strip() for line in block.splitlines() if line.strip()]
        if lines and lines[0].startswith("- "):
            items: list[str] = []
            for line in lines:
                if line.startswith("- "):
                    items.append(line[2:])
                else:
                    items[-1] += " " + line
            html.append(
                Markup("<ul>{}</ul>").format(
                    Markup("").join(Markup("<li>{}</li>").format(code_spans(i)) for i in items)
                )
            )
        elif lines:
            html.append(Markup("<p>{}</p>").format(code_spans(" ".join(lines))))
    return Markup("\n").join(html)


def _ref_name(ref: str) -> str:
    return ref.rsplit("/", 1)[-1]


def type_of(schema: dict) -> tuple:
    """A schema's type in words: ("array of ", Ref("Todo")), ("string (date) or null",), ("one of: all, open",)."""
    if "$ref" in schema:
        return (Ref(_ref_name(schema["$ref"])),)
    if "const" in schema:
        return (json.dumps(schema["const"]),)
    if "oneOf" in schema or "anyOf" in schema:
        pieces: list = []
        for i, option in enumerate(schema.get("oneOf") or schema.get("anyOf")):
            pieces += ([" or "] if i else []) + list(type_of(option))
        return tuple(pieces)
    if "enum" in schema:
        return ("one of: " + ", ".join(str(value) for value in schema["enum"]),)
    types = schema.get("type")
    names = types if isinstance(types, list) else [types] if types else []
    pieces = []
    for i, name in enumerate(names):
        pieces += [" or "] if i else []
        if name == "array":
            pieces += ["array of ", *type_of(schema.get("items", {}))]
        elif name == "object" and isinstance(schema.get("additionalProperties"), dict):
            pieces += ["object: name → ", *type_of(schema["additionalProperties"])]
        elif name == "object" and schema.get("properties"):
            pieces.append("object with " + ", ".join(schema["properties"]))
        else:
            pieces.append(f"{name} ({schema['format']})" if "format" in schema and name != "null" else name)
    return tuple(pieces) or ("any JSON",)


def constraints(schema: dict) -> str:
    """A schema's limits in words: "1–200 characters", "1 to 100", "default all", "pattern …"."""
    found = []
    low, high = schema.get("minLength"), schema.get("maxLength")
    if high is not None:
        found.append(f"{low or 0}–{high} characters" if low else f"at most {high} characters")
    elif low:
        found.append(f"at least {low} characters")
    if "minimum" in schema or "maximum" in schema:
        found.append(f"{schema.get('minimum', '…')} to {schema.get('maximum', '…')}")
    if "pattern" in schema:
        found.append(f"pattern {schema['pattern']}")
    if "default" in schema:
        found.append(f"default {schema['default']}")
    return ", ".join(found)


def fields_of(schema: dict) -> tuple[Field, ...]:
    """The properties of an object schema, required ones first as the document orders them."""
    required = set(schema.get("required", ()))
    return tuple(
        Field(name, type_of(prop), name in required, prop.get("description", ""), constraints(prop))
        for name, prop in schema.get("properties", {}).items()
    )


def _parameter(raw: dict) -> Parameter:
    schema = raw.get("schema", {})
    return Parameter(
        name=raw["name"],
        location=raw["in"],
        type=type_of(schema),
        required=bool(raw.get("required")),
        description=raw.get("description", ""),
        constraints=constraints(schema),
    )


def _json_schema(content: dict | None) -> tuple:
    schema = (content or {}).get("application/json", {}).get("schema")
    return type_of(schema) if schema else ()


def _answers(responses: dict) -> tuple[Answer, ...]:
    return tuple(
        Answer(
            status=status,
            description=answer.get("description", ""),
            type=_json_schema(answer.get("content")),
            headers=tuple((name, header.get("description", "")) for name, header in answer.get("headers", {}).items()),
        )
        for status, answer in sorted(responses.items())
    )


def operations_of(document: dict) -> tuple[Operation, ...]:
    """Every operation, in the document's path order, then get, post, put, patch, delete."""
    found = []
    for path, item in document.get("paths", {}).items():
        shared = [_parameter(p) for p in item.get("parameters", [])]
        for method in METHODS:
            if method not in item:
                continue
            op = item[method]
            security = op.get("security", document.get("security", []))
            scopes = [scope for requirement in security for scope in next(iter(requirement.values()), [])]
            body = op.get("requestBody")
            found.append(
                Operation(
                    method=method.upper(),
                    path=path,
                    anchor=op.get("operationId") or f"{method}-{path}",
                    summary=op.get("summary", ""),
                    scope=" ".join(scopes) if security else None,
                    parameters=tuple(shared + [_parameter(p) for p in op.get("parameters", [])]),
                    body=_json_schema(body.get("content")) if body else None,
                    answers=_answers(op.get("responses", {})),
                )
            )
    return tuple(found)


def schemas_of(document: dict) -> tuple[Schema, ...]:
    """The component schemas, in the document's order."""
    return tuple(
        Schema(
            name=name,
            description=schema.get("description", ""),
            type=type_of(schema),
            fields=fields_of(schema),
            closed=schema.get("additionalProperties") is False,
        )
        for name, schema in document.get("components", {}).get("schemas", {}).items()
    )


def reference_of(document: dict) -> Reference:
    """The whole document as the API page shows it."""
    schemes = document.get("components", {}).get("securitySchemes", {})
    scheme = next(iter(schemes.values()), {})
    return Reference(
        title=document["info"]["title"],
        description=document["info"].get("description", ""),
        server=(document.get("servers") or [{"url": "/"}])[0]["url"],
        security=scheme.get("description", ""),
        discovery_url=scheme.get("openIdConnectUrl", ""),
        operations=operations_of(document),
        schemas=schemas_of(document),
    )
