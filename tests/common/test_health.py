"""Liveness and readiness on every site: cheap, unauthenticated, and they leak nothing (issue 13)."""

from sqlalchemy.exc import OperationalError

from common.health import redis_check


def test_liveness_answers_ok_without_touching_anything(site):
    response = site.test_client().get("/healthz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok"}


def test_readiness_answers_ready_when_the_database_answers(site):
    response = site.test_client().get("/readyz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ready"}


def test_readiness_is_503_with_no_detail_when_the_database_is_gone(site, monkeypatch):
    db = site.extensions["sqlalchemy"]

    def broken(*args, **kwargs):
        raise OperationalError("SELECT 1", {}, Exception("connection refused to 10.0.0.5:5432"))

    with site.app_context():
        monkeypatch.setattr(db.session, "execute", broken)
        response = site.test_client().get("/readyz")
    assert response.status_code == 503
    assert response.get_json() == {"status": "unavailable"}
    assert b"10.0.0.5" not in response.data and b"Operational" not in response.data


def test_health_endpoints_need_no_session_and_set_no_cookie(site):
    client = site.test_client()
    for path in ("/healthz", "/readyz"):
        assert "Set-Cookie" not in client.get(path).headers


def test_the_redis_check_fails_for_an_unreachable_redis_and_passes_without_redis():
    redis_check(None)()  # the embedded default: nothing to reach
    try:
        redis_check("redis://127.0.0.1:1/0")()
    except Exception as error:
        assert "ConnectionError" in type(error).__name__
    else:
        raise AssertionError("an unreachable Redis passed the readiness check")
