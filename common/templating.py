"""Jinja set-up shared by every site: one template folder, one stylesheet."""

import os
from pathlib import Path

from flask import Flask

from .json_provider import OrjsonProvider

ROOT = Path(__file__).resolve().parent.parent
TEMPLATE_FOLDER = str(ROOT / "templates")
STATIC_FOLDER = str(ROOT / "static")


def make_flask(import_name: str, instance_path: str | None = None) -> Flask:
    """A Flask app that uses the repository's shared templates/ and static/ folders."""
    app = Flask(
        import_name,
        template_folder=TEMPLATE_FOLDER,
        static_folder=STATIC_FOLDER,
        # GATEHOUSE_INSTANCE_PATH moves instance/ (tests use a temporary one, never the developer's).
        instance_path=instance_path or os.environ.get("GATEHOUSE_INSTANCE_PATH") or str(ROOT / "instance"),
        instance_relative_config=True,
    )
    app.json = OrjsonProvider(app)  # jsonify at a tenth of the standard library's cost
    return app
