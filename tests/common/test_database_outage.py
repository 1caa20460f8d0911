"""A database outage answers 503 with a clear page or JSON error on every site, never a 500 or a trace (issue 13)."""

import pytest
from flask_sqlalchemy.session import Session as FlaskSession
from sqlalchemy.exc import OperationalError

from common.session_records import SqlSessionStore


@pytest.fixture
def database_down(site, monkeypatch):
    """Every session lookup fails as it does when PostgreSQL is restarting (whatever store the site uses)."""

    def refused(*args, **kwargs):
        raise OperationalError("SELECT …", {}, ConnectionRefusedError("connection to 10.0.0.5:5432 refused"))

    assert isinstance(site.session_interface.store, SqlSessionStore)
    monkeypatch.setattr(site.session_interface.store, "load", refused)


def test_a_page_answers_503_with_the_error_page(site, database_down):
    client = site.test_client()
    client.set_cookie(site.config["SESSION_COOKIE_NAME"], "x" * 43)
    response = client.get("/", headers={"Accept": "text/html"})
    assert response.status_code == 503
    assert response.headers["Retry-After"] == "5"
    assert b"unavailable right now" in response.data
    assert b"10.0.0.5" not in response.data and b"Traceback" not in response.data


def test_the_api_answers_503_as_json(site, database_down):
    client = site.test_client()
    client.set_cookie(site.config["SESSION_COOKIE_NAME"], "x" * 43)
    response = client.get("/api/v1/orgs", headers={"Accept": "application/json"})
    assert response.status_code == 503
    assert response.get_json()["error"] == "Service Unavailable"


def test_a_form_post_answers_503_not_a_csrf_refusal(site, database_down):
    client = site.test_client()
    client.set_cookie(site.config["SESSION_COOKIE_NAME"], "x" * 43)
    assert client.post("/_test/form", data={"note": "kept"}).status_code == 503


def test_an_error_raised_inside_a_view_is_503_too(site, monkeypatch):
    @site.get("/_test/query")
    def query():
        raise OperationalError("SELECT 1", {}, Exception("server closed the connection unexpectedly"))

    response = site.test_client().get("/_test/query")
    assert response.status_code == 503


def test_closing_a_session_whose_connection_the_database_dropped_is_not_an_error(site, monkeypatch):
    db = site.extensions["sqlalchemy"]
    dropped = OperationalError("ROLLBACK", {}, Exception("terminating connection due to administrator command"))
    dropped.connection_invalidated = True

    def close_fails(self):
        raise dropped

    with site.app_context():
        session = db.session()
        monkeypatch.setattr(FlaskSession, "close", close_fails)
        session.close()  # logged, not raised: the pool has already replaced the connection
        dropped.connection_invalidated = False
        with pytest.raises(OperationalError):
            session.close()  # any other database error still surfaces
        monkeypatch.undo()
