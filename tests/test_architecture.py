"""SPEC §1: tenants know Accounts only through OIDC over HTTP, neither side imports the other; only flows commit."""

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


# Flows commit, helpers never: views, *_views, flows.py/*_flow.py and CLI commands commit once, after
# everything the request changes (with its audit event). Anything else under accounts/ that commits is
# listed here, with why.
COMMITS_ALLOWED = {
    "accounts/extensions.py": "defines db.session's commit, which then runs the on_commit actions",
    "accounts/mfa/lockout.py": "each attempt is committed before its code is checked, so concurrent guesses see it",
    "accounts/mail/sender.py": "the development outbox stands in for an SMTP server: a mail sent stays sent",
    "accounts/oidc/services.py": "Authlib's hooks (save a code or token, spend one) are the flows Authlib calls",
    "accounts/oidc/single_statements.py": "a token request's one write commits the transaction it joined, if any",
    "accounts/security_events/delivery.py": "a delivery job runs after the change's commit and records its own outcome",
    "accounts/oidc/keys.py": "the first signing key is made on demand, inside whichever request signs first",
    "accounts/oidc/clients.py": "not converted yet: accounts/oidc is reworked on its own branch",
    "accounts/oidc/consent.py": "not converted yet: accounts/oidc is reworked on its own branch",
}


def is_flow_module(path: Path) -> bool:
    return path.name in {"views.py", "cli.py", "flows.py"} or path.name.endswith(("_views.py", "_flow.py"))


def commit_calls(path: Path) -> list[int]:
    """Lines of `<anything>.commit(...)` calls in a file."""
    tree = ast.parse(path.read_text(), str(path))
    return [
        node.lineno
        for node in ast.walk(tree)
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "commit"
    ]


def test_only_flows_commit():
    offenders = [
        f"{path.relative_to(ROOT)}:{line}"
        for path in sorted((ROOT / "accounts").rglob("*.py"))
        if not is_flow_module(path) and str(path.relative_to(ROOT)) not in COMMITS_ALLOWED
        for line in commit_calls(path)
    ]
    assert offenders == [], "helpers stage changes; the view or command commits (docs/audit.md, Transactions)"


def test_every_exception_still_commits():
    # A module that stopped committing leaves the list, so the list only shrinks.
    assert [name for name in COMMITS_ALLOWED if not commit_calls(ROOT / name)] == []


def test_every_services_module_says_its_callers_commit():
    services = [p for p in (ROOT / "accounts").rglob("services.py") if str(p.relative_to(ROOT)) not in COMMITS_ALLOWED]
    assert services, "the scan found no services modules"
    silent = [
        str(p.relative_to(ROOT))
        for p in services
        if "Callers commit." not in (ast.get_docstring(ast.parse(p.read_text())) or "")
    ]
    assert silent == []
