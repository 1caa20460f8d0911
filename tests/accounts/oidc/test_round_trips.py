"""Database round trips per request on the provider's hot paths: each count is what the request needs, no more."""

import pytest
from sqlalchemy import event

from accounts.extensions import db


@pytest.fixture
def round_trips(accounts_app, monkeypatch):
    """round_trips(call) -> (its response, the SQL statements it cost)."""
    with accounts_app.app_context():
        engine = db.engine
    seen: list[str] = []

    def on_execute(_conn, _cursor, statement, *_args):
        seen.append(" ".join(statement.split()[:4]))

    event.listen(engine, "before_cursor_execute", on_execute)

    def measure(call):
        seen.clear()
        response = call()
        return response, list(seen)

    yield measure
    event.remove(engine, "before_cursor_execute", on_execute)


@pytest.fixture
def backend(accounts_app):
    """The client's back end: it calls the token and userinfo endpoints without the browser's cookie."""
    return accounts_app.test_client()


def test_userinfo_is_one_select(flow, signed_in, confidential_client, backend, round_trips):
    token = flow.tokens(confidential_client)["access_token"]
    response, statements = round_trips(
        lambda: backend.get("/oauth/userinfo", headers={"Authorization": f"Bearer {token}"})
    )
    assert response.status_code == 200
    # The token row with its client and user, joined.
    assert len(statements) == 1, statements
