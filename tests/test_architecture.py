"""SPEC §1: tenant sites know Accounts only through OIDC over HTTP; neither side imports the other."""

import ast
from pathlib import Path

import pytest
from importlinter import api  # noqa: F401 (configures import-linter before its use cases run)
from importlinter.application import use_cases

ROOT = Path(__file__).resolve().parent.parent


def test_the_import_contracts_hold(capsys):
    # The contracts live in pyproject.toml ([tool.importlinter]); `make lint` runs the same check.
    kept = use_cases.lint_imports(config_filename=str(ROOT / "pyproject.toml"), cache_dir=None, no_logo=True)
    assert kept, capsys.readouterr().out


def test_the_contracts_cover_both_directions():
    contracts = api.read_configuration(str(ROOT / "pyproject.toml"))["contracts_options"]
    independence = [c for c in contracts if c["type"] == "independence"]
    assert any({"accounts", "tenants"} <= set(c["modules"]) for c in independence)
    forbidden = [c for c in contracts if c["type"] == "forbidden" and "common" in c["source_modules"]]
    assert forbidden and {"accounts", "tenants"} <= set(forbidden[0]["forbidden_modules"])


def imported_packages(package: str) -> list[tuple[str, int, str]]:
    """(file, line, top-level module) for every import in a package, relative imports resolved."""
    found = []
    for path in sorted((ROOT / package).rglob("*.py")):
        package_parts = path.relative_to(ROOT).parts[:-1]  # the package this file's relative imports start from
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if isinstance(node, ast.Import):
                found += [(str(path), node.lineno, alias.name.split(".")[0]) for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                base = package_parts[: len(package_parts) - node.level + 1] if node.level else ()
                full = [*base, *(node.module or "").split(".")]
                found.append((str(path), node.lineno, next(part for part in full if part)))
    return found


@pytest.mark.parametrize(
    ("package", "forbidden"),
    [("tenants", "accounts"), ("accounts", "tenants"), ("common", "accounts"), ("common", "tenants")],
)
def test_no_file_imports_the_other_side(package, forbidden):
    # Belt and braces: a plain scan that needs nothing but the standard library.
    offenders = [f"{file}:{line}" for file, line, top in imported_packages(package) if top == forbidden]
    assert offenders == []


def test_the_scan_sees_imports():
    tops = {top for _, _, top in imported_packages("tenants")}
    assert {"common", "flask", "tenants"} <= tops
