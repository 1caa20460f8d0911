"""Jinja set-up shared by every site: one template folder, one stylesheet."""

from pathlib import Path

from flask import Flask

ROOT = Path(__file__).resolve().parent.parent
TEMPLATE_FOLDER = str(ROOT / "templates")
STATIC_FOLDER = str(ROOT / "static")


def make_flask(import_name: str, instance_path: str | None = None) -> Flask:
    """A Flask app that uses the repository's shared templates/ and static/ folders."""
    return Flask(
        import_name,
        template_folder=TEMPLATE_FOLDER,
        static_folder=STATIC_FOLDER,
        instance_path=instance_path or str(ROOT / "instance"),
        instance_relative_config=True,
    )
