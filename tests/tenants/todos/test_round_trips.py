"""Round trips per request: a todo list is one ordered index range, the todo page and the API list few statements."""

import pytest

from tenants.extensions import db
from tenants.todos import services
from tenants.todos.models import Todo
from tests.tenants.people import AUTHOR, MEMBER, ORG
from tests.tenants.sql import recorded_sql

LISTS = [
    pytest.param({}, id="everyone's"),
    pytest.param({"owner": "mine"}, id="mine"),
    pytest.param({"status": "open"}, id="open"),
    pytest.param({"owner": "mine", "status": "done"}, id="mine-done"),
]


@pytest.fixture
def many_todos(acme_app, write_todo):
    """45 todos in ORG: the member's and the author's, shared and private (more than two pages)."""
    for n in range(45):
        author, visibility = (MEMBER if n % 3 else AUTHOR), ("org" if n % 2 else "private")
        write_todo(acme_app, author, visibility, title=f"Item {n}", done=n % 4 == 0)
    return acme_app


@pytest.mark.parametrize("filters", LISTS)
def test_a_list_page_is_one_statement_without_an_or(many_todos, filters):
    """An OR let PostgreSQL without statistics walk the whole org newest first and filter it (issue 11)."""
    with many_todos.app_context():
        page = services.list_todos("acme", MEMBER.viewer, ORG, **filters)
        with recorded_sql(db.engine) as statements:
            services.list_todos("acme", MEMBER.viewer, ORG, cursor=page.next_cursor, **filters)
        db.session.remove()
    assert len(statements) == 1, statements
    assert " OR " not in statements[0].upper(), statements[0]


def test_no_index_covers_the_org_alone():
    """Each list fixes every column before created_at of its index; an org-only index invites a filtered walk."""
    columns = {index.name: [c.name for c in index.columns] for index in Todo.__table__.indexes}
    assert columns == {
        "ix_todos_site_iss_org_visibility_created": ["site", "iss", "org_id", "visibility", "created_at", "id"],
        "ix_todos_site_iss_org_author_created": ["site", "iss", "org_id", "author_sub", "created_at", "id"],
    }
