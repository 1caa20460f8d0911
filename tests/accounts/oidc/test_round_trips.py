"""Database round trips per request on the provider's hot paths: each count is what the request needs, no more."""

import os
import time

import pytest
from sqlalchemy import event, text
from sqlalchemy.exc import OperationalError

from accounts.extensions import db
from accounts.oidc.client_rows import _client_with_nonce
from common.autocommit import autocommit_engine

from .conftest import Flow

ON_POSTGRESQL = os.environ.get("DATABASE_URL", "").startswith("postgresql")
# A token request: the credential read in autocommit, then its spend with the new token's insert. On
# PostgreSQL one statement (a data-modifying CTE, atomic on its own); SQLite runs the two in a transaction.
SPEND_AND_STORE = ["SELECT", "WITH"] if ON_POSTGRESQL else ["SELECT", "BEGIN", "INSERT", "UPDATE", "COMMIT"]


@pytest.fixture
def round_trips(accounts_app, monkeypatch):
    """round_trips(call) -> (its response, the SQL statements, transactions and connection pings it cost).

    BEGIN and COMMIT are round trips of their own (psycopg sends them as statements); the autocommit engine
    of single statements sends neither.
    """
    with accounts_app.app_context():
        engines = [db.engine, autocommit_engine()]  # the ORM session's, and the autocommit one of single statements
    seen: list[str] = []

    def on_execute(_conn, _cursor, statement, *_args):
        seen.append(" ".join(statement.split()))

    def on_transaction(word):
        return lambda _conn: seen.append(word)

    begin, commit = on_transaction("BEGIN"), on_transaction("COMMIT")
    event.listen(engines[0], "begin", begin)
    event.listen(engines[0], "commit", commit)

    for engine in engines:
        ping = engine.dialect.do_ping
        monkeypatch.setattr(
            engine.dialect, "do_ping", lambda dbapi_connection, ping=ping: seen.append("ping") or ping(dbapi_connection)
        )
        event.listen(engine, "before_cursor_execute", on_execute)

    def measure(call):
        seen.clear()
        response = call()
        return response, list(seen)

    yield measure
    for engine in engines:
        event.remove(engine, "before_cursor_execute", on_execute)
    event.remove(engines[0], "begin", begin)
    event.remove(engines[0], "commit", commit)


def kinds(statements: list[str]) -> list[str]:
    """Each round trip's first word: SELECT, INSERT, UPDATE, WITH, BEGIN, COMMIT or ping."""
    return [statement.split()[0] for statement in statements]


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
    # The token row with its client and user, joined, in autocommit: no transaction around it.
    assert kinds(statements) == ["SELECT"], statements


def test_authorize_on_a_live_session(flow, signed_in, confidential_client, round_trips):
    flow.tokens(confidential_client)
    response, statements = round_trips(lambda: flow.authorize(confidential_client))
    assert response.status_code == 302
    # The session with its user, the client with its nonce check, the new code: Authlib's second
    # validation of the same request reads neither client nor nonce again.
    assert kinds(statements) == ["BEGIN", "SELECT", "SELECT", "INSERT", "COMMIT"], statements


def test_the_nonce_check_reads_one_index_entry_not_every_code_of_the_client(accounts_app, confidential_client):
    with accounts_app.app_context():
        bound = _client_with_nonce().params(client_id=confidential_client.client_id, nonce="n")
        statement = str(bound.compile(db.engine, compile_kwargs={"literal_binds": True}))
        explain = "EXPLAIN " if ON_POSTGRESQL else "EXPLAIN QUERY PLAN "
        with db.engine.connect() as connection:
            if ON_POSTGRESQL:
                connection.execute(text("SET enable_seqscan = off"))  # a test table is tiny: plan as if it were not
            plan = " ".join(str(row) for row in connection.exec_driver_sql(explain + statement))
    assert "ix_oauth_codes_client_id_nonce" in plan, plan


@pytest.fixture
def tenant_client(register):
    """A client asking for what the tenant sites ask for: the orgs claim too."""
    return register("tenant", resource="https://tenant.example", scope="openid profile email offline_access orgs")


def test_refresh_reads_once_and_commits_once(flow, signed_in, tenant_client, backend, round_trips):
    refresh_token = flow.tokens(tenant_client, scope=tenant_client.scope)["refresh_token"]
    data = {"grant_type": "refresh_token", "refresh_token": refresh_token}
    response, statements = round_trips(
        lambda: backend.post("/oauth/token", data=data, auth=(tenant_client.client_id, tenant_client.secret))
    )
    assert response.status_code == 200
    assert "orgs" in response.get_json()["scope"]
    # The refresh token with its client, user and orgs claim in one SELECT, then the new token and the spend
    # (one statement on PostgreSQL). The signing key is read once per KEY_CHECK_INTERVAL, not per token.
    assert kinds(statements) == SPEND_AND_STORE, statements


def test_code_exchange_reads_once_and_commits_once(flow, signed_in, tenant_client, backend, round_trips):
    flow.tokens(tenant_client, scope=tenant_client.scope)  # the first one in a session records it (back-channel)
    result = flow.code(tenant_client, scope=tenant_client.scope)
    response, statements = round_trips(lambda: Flow(backend).exchange(tenant_client, result))
    assert response.status_code == 200
    # The code with its client, user, orgs claim and whether this session's client is known, in one SELECT;
    # then the token and the spend of the code. The ID token reloads nothing after it.
    assert kinds(statements) == SPEND_AND_STORE, statements


def test_the_first_code_exchange_of_a_session_records_its_client(flow, signed_in, tenant_client, backend, round_trips):
    result = flow.code(tenant_client, scope=tenant_client.scope)
    response, statements = round_trips(lambda: Flow(backend).exchange(tenant_client, result))
    assert response.status_code == 200
    # (The first token of this test's provider also creates its signing key.) On PostgreSQL the insert is
    # one more CTE of the spend.
    assert any("INSERT INTO oauth_client_sessions (client_id," in statement for statement in statements), statements


def _bearer(backend, token: str):
    return backend.get("/oauth/userinfo", headers={"Authorization": f"Bearer {token}"})


def test_a_database_outage_answers_503_not_a_stack_trace(flow, signed_in, confidential_client, backend, monkeypatch):
    token = flow.tokens(confidential_client)["access_token"]
    lost = OperationalError("SELECT", {}, Exception("server closed the connection unexpectedly"))
    monkeypatch.setattr("accounts.oidc.endpoints.bearer_grant", lambda _token: (_ for _ in ()).throw(lost))
    response = _bearer(backend, token)
    assert response.status_code == 503
    assert response.get_json()["error"] == "Service Unavailable"


def kill_a_pooled_connection(engine, timeout_seconds: float = 10.0) -> None:
    """Terminate the backend of a connection left in the pool (the next request checks it out), and wait until gone."""
    db.session.remove()
    victim, other = engine.connect(), engine.connect()
    pid = victim.execute(text("SELECT pg_backend_pid()")).scalar()
    victim.close()  # back to the pool first, so the next request checks it out
    other.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
    deadline = time.monotonic() + timeout_seconds
    # Terminating is asynchronous; pg_stat_activity is a snapshot per transaction, so each look is a new one.
    while other.execute(text("SELECT 1 FROM pg_stat_activity WHERE pid = :pid"), {"pid": pid}).first():
        other.rollback()
        assert time.monotonic() < deadline, f"backend {pid} still there after {timeout_seconds} s"
    other.close()


@pytest.mark.skipif(not ON_POSTGRESQL, reason="kills a PostgreSQL backend; SQLite has no connection to lose")
def test_a_killed_connection_fails_one_request_then_the_pool_reconnects(
    accounts_app, flow, signed_in, confidential_client, backend
):
    token = flow.tokens(confidential_client)["access_token"]
    with accounts_app.app_context():
        kill_a_pooled_connection(autocommit_engine())
    first, *after = [_bearer(backend, token).status_code for _ in range(3)]
    # The request that finds the connection dead may fail (no pre-ping); the pool is renewed for the next.
    assert first in (200, 503)
    assert after == [200, 200]


@pytest.mark.skipif(not ON_POSTGRESQL, reason="kills a PostgreSQL backend; SQLite has no connection to lose")
def test_a_connection_that_died_while_idle_is_replaced_before_a_request_uses_it(
    accounts_app, flow, signed_in, confidential_client, backend, monkeypatch
):
    token = flow.tokens(confidential_client)["access_token"]
    monkeypatch.setattr("common.db_pool.IDLE_PING_SECONDS", 0.0)  # every checked-in connection counts as idle
    with accounts_app.app_context():
        kill_a_pooled_connection(autocommit_engine())
    # What a PostgreSQL restart does to a quiet server's pool: the ping finds it dead, the pool takes another.
    assert [_bearer(backend, token).status_code for _ in range(3)] == [200, 200, 200]
