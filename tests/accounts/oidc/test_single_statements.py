"""Single statements run in autocommit, unless the request's ORM session holds work they must join."""

from sqlalchemy import func, select, update

from accounts.extensions import db
from accounts.identity.models import User
from accounts.oidc import single_statements


def _rename(user_id: int, name: str):
    return update(User.__table__).where(User.__table__.c.id == user_id).values(name=name)


def test_a_read_outside_a_transaction_opens_none(accounts_app, user):
    with accounts_app.test_request_context():
        rows = single_statements.rows(select(func.count()).select_from(User.__table__), {})
        assert rows[0][0] >= 1
        assert not db.session().in_transaction()


def test_a_write_on_its_own_is_durable_at_once(accounts_app, user):
    with accounts_app.test_request_context():
        assert single_statements.committed(_rename(user.id, "Alice A."), {}) == 1
        assert not db.session().in_transaction()
    with accounts_app.app_context():
        assert db.session.get(User, user.id).name == "Alice A."


def test_a_write_joins_the_work_the_session_holds_and_commits_it(accounts_app, user):
    with accounts_app.test_request_context():
        db.session.add(User(email="staged@example.com", name="Staged", password_hash=""))
        # Pending, not flushed: no transaction yet, but the write must not leave it behind.
        assert single_statements.committed(_rename(user.id, "Alice B."), {}) == 1
    with accounts_app.app_context():
        assert db.session.scalar(select(User.name).where(User.email == "staged@example.com")) == "Staged"
        assert db.session.get(User, user.id).name == "Alice B."
