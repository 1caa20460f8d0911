"""The API reference page: the OpenAPI document rendered as HTML on the server (no script, no CDN)."""

from flask import Blueprint, current_app, render_template, url_for

from ..inspector.token_reveal import token_reveal_allowed
from .openapi import openapi_document
from .reference import code_spans, reference_of, text_blocks

bp = Blueprint("api_docs", __name__)


@bp.get("/docs/api")
def reference():
    """Every operation, parameter, body, answer and schema of /api/v1/openapi.json, for people."""
    tenant = current_app.config["TENANT"]
    return render_template(
        "tenants/api/reference.html",
        ref=reference_of(openapi_document(tenant)),
        openapi_url=url_for("api.openapi"),
        audience=tenant.audience,
        code=code_spans,
        blocks=text_blocks,
        token_in_inspector=token_reveal_allowed(current_app.config["GATEHOUSE_ENV"]),
    )
