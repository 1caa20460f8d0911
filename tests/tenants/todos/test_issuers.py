"""OIDC Core §5.7: a user is `iss`+`sub` and an org is `iss`+org id; two issuers never share data."""

from datetime import datetime

import pytest

from tenants.todos import listing, scoping, services
from tenants.todos.scoping import NotFound, viewer_from_claims
from tests.tenants.people import ISSUER

OTHER = "https://id.other.example"
NOW = datetime(2026, 1, 1, 12, 0)
ORG_5 = [{"id": "5", "slug": "five", "name": "Five", "role": "owner"}]


def person(iss: str):
    """The same sub, the same org id, the same role: only the issuer differs."""
    return viewer_from_claims(iss, "1", ORG_5, "Same Name")


def test_the_same_sub_and_org_id_from_two_issuers_never_share_todos(in_acme):
    ours, theirs = person(ISSUER), person(OTHER)
    shared = services.create_todo("acme", ours, "5", {"title": "Shared in org 5", "visibility": "org"}, NOW)
    private = services.create_todo("acme", ours, ours.personal_space.org_id, {"title": "Mine"}, NOW)

    assert listing.list_todos("acme", theirs, "5").items == []
    assert listing.list_todos("acme", theirs, theirs.personal_space.org_id).items == []
    for todo in (shared, private):
        with pytest.raises(NotFound):
            services.get_todo("acme", theirs, todo.org_id, todo.id)
    assert services.count_own_todos("acme", theirs, "5") == 0
    assert services.delete_own_todos("acme", theirs, "5", NOW) == 0
    assert [t.title for t in listing.list_todos("acme", ours, "5").items] == ["Shared in org 5"]


def test_every_query_names_the_issuer(in_acme):
    query = str(scoping.visible_todos("acme", person(OTHER), "5").compile(compile_kwargs={"literal_binds": True}))
    assert f"todos.iss = '{OTHER}'" in query
    own = str(scoping.own_todos("acme", person(OTHER), "5").compile(compile_kwargs={"literal_binds": True}))
    assert f"todos.iss = '{OTHER}'" in own
