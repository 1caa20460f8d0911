"""Tenant pages every site has: home, and the theme stylesheet built from its colours."""

from flask import Blueprint, current_app, render_template

bp = Blueprint("site", __name__)


@bp.get("/")
def home():
    """The tenant's branded landing page."""
    return render_template("tenants/home.html")


@bp.get("/theme.css")
def theme():
    """Brand colours as CSS variables (a file, because the CSP forbids inline styles)."""
    colours = current_app.config["TENANT"].colours
    body = ":root {\n" + "".join(f"  --brand-{k.replace('_', '-')}: {v};\n" for k, v in colours.items()) + "}\n"
    return body, 200, {"Content-Type": "text/css; charset=utf-8", "Cache-Control": "public, max-age=300"}
