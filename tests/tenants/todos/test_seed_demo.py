"""The tenants' seed-demo: todos of both visibilities for Initech's members, from the users file Accounts writes."""

import json

import pytest
from sqlalchemy import func, select

from tenants.extensions import db
from tenants.todos.models import Todo


def claim(org_id: str, slug: str, role: str, personal: bool = False) -> dict:
    return {"id": org_id, "slug": slug, "name": slug.capitalize(), "role": role, "personal": personal}


@pytest.fixture
def users_file(tmp_path):
    """The file Accounts' seed-demo writes: each demo user's sub, name and orgs claim."""
    users = [
        {"sub": "1", "name": "Ada Admin", "orgs": [claim("1", "personal-1", "owner", True)]},
        {
            "sub": "2",
            "name": "Alice Example",
            "orgs": [claim("2", "personal-2", "owner", True), claim("5", "initech", "owner")],
        },
        {
            "sub": "3",
            "name": "Bob Example",
            "orgs": [claim("3", "personal-3", "owner", True), claim("5", "initech", "admin")],
        },
        {
            "sub": "4",
            "name": "Carol Example",
            "orgs": [claim("4", "personal-4", "owner", True), claim("5", "initech", "member")],
        },
    ]
    path = tmp_path / "demo-users.json"
    path.write_text(json.dumps({"users": users}))
    return path


def todos(app) -> list[tuple[str, str, str, str, str]]:
    with app.app_context():
        rows = db.session.execute(select(Todo.site, Todo.org_id, Todo.author_sub, Todo.visibility, Todo.title))
        result = sorted(tuple(row) for row in rows)
        db.session.remove()
        return result


def test_seed_demo_gives_each_member_shared_and_private_todos_once(acme_app, users_file):
    runner = acme_app.test_cli_runner()
    result = runner.invoke(args=["seed-demo", "--users-file", str(users_file)])
    assert result.exit_code == 0, result.output
    seeded = todos(acme_app)
    by_author = {}
    for site, org_id, author, visibility, _ in seeded:
        assert site == "acme"
        by_author.setdefault(author, []).append((org_id, visibility))
    assert {author: sorted(todos) for author, todos in by_author.items()} == {
        "2": [("2", "private"), ("5", "org"), ("5", "private")],  # personal space, Initech shared, Initech private
        "3": [("3", "private"), ("5", "org"), ("5", "private")],
        "4": [("4", "private"), ("5", "org"), ("5", "private")],
    }
    again = runner.invoke(args=["seed-demo", "--users-file", str(users_file)])
    assert again.exit_code == 0 and "nothing added" in again.output
    assert todos(acme_app) == seeded


def test_each_tenant_gets_its_own_demo_todos(acme_app, globex_app, users_file):
    for app in (acme_app, globex_app):
        assert app.test_cli_runner().invoke(args=["seed-demo", "--users-file", str(users_file)]).exit_code == 0
    seeded = todos(acme_app)
    acme_titles = {title for site, *_, title in seeded if site == "acme"}
    globex_titles = {title for site, *_, title in seeded if site == "globex"}
    assert len(acme_titles) == len(globex_titles) == 9 and not acme_titles & globex_titles


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (None, "Run `flask --app app seed-demo` first"),
        ("not json", "Run `flask --app app seed-demo` first"),
        (json.dumps({"users": [{"sub": "1", "orgs": []}]}), "No member of the org “initech”"),
    ],
)
def test_a_missing_or_unusable_users_file_is_a_clear_error(acme_app, tmp_path, content, message):
    path = tmp_path / "demo-users.json"
    if content is not None:
        path.write_text(content)
    result = acme_app.test_cli_runner().invoke(args=["seed-demo", "--users-file", str(path)])
    assert result.exit_code == 1 and message in result.output
    assert todos(acme_app) == []


def test_seed_demo_never_runs_in_production(acme_app, users_file):
    acme_app.config["GATEHOUSE_ENV"] = "production"
    result = acme_app.test_cli_runner().invoke(args=["seed-demo", "--users-file", str(users_file)])
    assert result.exit_code == 1 and "never runs in production" in result.output


def test_the_file_accounts_writes_is_the_file_the_tenants_read(accounts_app, acme_app, tmp_path):
    path = tmp_path / "demo-users.json"
    assert accounts_app.test_cli_runner().invoke(args=["seed-demo", "--users-file", str(path)]).exit_code == 0
    result = acme_app.test_cli_runner().invoke(args=["seed-demo", "--users-file", str(path)])
    assert result.exit_code == 0, result.output
    with acme_app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Todo)) == 9
