"""The fault drills' ledger: acknowledged writes must be there, and a write whose answer was lost may have
happened or not (a worker killed between its commit and its answer), so neither outcome is a problem."""

import pytest
from sqlalchemy import create_engine, text

from operations.ledger import check


@pytest.fixture
def database(tmp_path):
    url = f"sqlite:///{tmp_path / 'todos.db'}"
    engine = create_engine(url)
    with engine.begin() as conn:
        conn.execute(text("CREATE TABLE todos (id TEXT PRIMARY KEY, title TEXT)"))
    yield url, engine
    engine.dispose()


def given_rows(engine, *rows):
    with engine.begin() as conn:
        for todo_id, title in rows:
            conn.execute(text("INSERT INTO todos VALUES (:id, :title)"), {"id": todo_id, "title": title})


def test_an_acknowledged_todo_that_is_gone_is_a_problem(database):
    url, _ = database
    verdict = check([{"kind": "created", "id": "t1", "title": "a"}], url)
    assert verdict.problems == ["acknowledged todo t1 is missing"]


def test_a_todo_whose_delete_went_unanswered_may_be_gone(database):
    url, _ = database
    entries = [{"kind": "created", "id": "t1", "title": "a"}, {"kind": "deleted_unanswered", "id": "t1"}]
    assert check(entries, url).ok


def test_a_todo_whose_delete_went_unanswered_may_still_be_there(database):
    url, engine = database
    given_rows(engine, ("t1", "a"))
    entries = [{"kind": "created", "id": "t1", "title": "a"}, {"kind": "deleted_unanswered", "id": "t1"}]
    assert check(entries, url).ok


def test_an_acknowledged_delete_that_is_still_there_is_a_problem(database):
    url, engine = database
    given_rows(engine, ("t1", "a"))
    entries = [{"kind": "created", "id": "t1", "title": "a"}, {"kind": "deleted", "id": "t1"}]
    assert check(entries, url).problems == ["acknowledged delete of t1 is still there"]


@pytest.mark.parametrize("stored", ["a", "a edited"])
def test_an_edit_that_went_unanswered_may_or_may_not_have_landed(database, stored):
    url, engine = database
    given_rows(engine, ("t1", stored))
    entries = [
        {"kind": "created", "id": "t1", "title": "a"},
        {"kind": "edited_unanswered", "id": "t1", "title": "a edited"},
    ]
    assert check(entries, url).ok


def test_a_title_nobody_acknowledged_is_a_problem(database):
    url, engine = database
    given_rows(engine, ("t1", "z"))
    verdict = check([{"kind": "created", "id": "t1", "title": "a"}], url)
    assert verdict.problems == ["todo t1 has 'z', last acknowledged 'a'"]


def test_a_page_write_is_there_exactly_once_by_title(database):
    url, engine = database
    given_rows(engine, ("t1", "p"), ("t2", "p"))
    verdict = check([{"kind": "created", "title": "p"}], url)
    assert verdict.problems == ["todo 'p' is there 2 times, not once"]


def test_an_answer_of_500_or_more_fails_the_run(database):
    url, _ = database
    verdict = check([{"kind": "server_error", "status": 502}], url)
    assert not verdict.ok and verdict.problems_beyond(frozenset({502})) == []
