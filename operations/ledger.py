"""What the load test was told succeeded, checked against the database afterwards: every acknowledged write
is there exactly once with its last acknowledged title, every acknowledged delete is gone, no answer ≥ 500.
A write whose answer was lost (the worker died after committing) may have happened or not: either is right."""

import json
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import create_engine, text


@dataclass
class Verdict:
    checked: Counter = field(default_factory=Counter)
    problems: list[str] = field(default_factory=list)
    server_errors: Counter = field(default_factory=Counter)

    @property
    def ok(self) -> bool:
        return not self.problems and not self.server_errors

    def problems_beyond(self, allowed: frozenset[int]) -> list[str]:
        """The problems, counting answers ≥ 500 only where the status is not one a fault may cause."""
        errors = [f"{n} × HTTP {status}" for status, n in self.server_errors.items() if status not in allowed]
        return self.problems + errors


def read_ledger(path: Path) -> list[dict]:
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def check(entries: list[dict], database_url: str) -> Verdict:
    """Compare the ledger with the todos table (rows by id where the write returned one, else by title)."""
    verdict = Verdict()
    expected_title: dict[str, str] = {}
    deleted: set[str] = set()
    maybe_deleted: set[str] = set()
    maybe_title: dict[str, set[str]] = {}
    titles_without_id: list[str] = []
    for entry in entries:
        kind = entry["kind"]
        verdict.checked[kind] += 1
        if kind == "server_error":
            verdict.server_errors[entry["status"]] += 1
        elif kind == "created" and "id" in entry:
            expected_title[entry["id"]] = entry["title"]
        elif kind == "created":
            titles_without_id.append(entry["title"])
        elif kind == "edited":
            expected_title[entry["id"]] = entry["title"]
        elif kind == "deleted":
            deleted.add(entry["id"])
        elif kind == "edited_unanswered":
            maybe_title.setdefault(entry["id"], set()).add(entry["title"])
        elif kind == "deleted_unanswered":
            maybe_deleted.add(entry["id"])
    engine = create_engine(database_url)
    try:
        with engine.connect() as conn:
            rows = conn.execute(text("SELECT id, title FROM todos")).all()
    finally:
        engine.dispose()
    by_id = {row.id: row.title for row in rows}
    title_counts = Counter(row.title for row in rows)
    for todo_id in deleted:
        if todo_id in by_id:
            verdict.problems.append(f"acknowledged delete of {todo_id} is still there")
    for todo_id, title in expected_title.items():
        if todo_id in deleted:
            continue
        if todo_id not in by_id:
            if todo_id not in maybe_deleted:
                verdict.problems.append(f"acknowledged todo {todo_id} is missing")
        elif by_id[todo_id] != title and by_id[todo_id] not in maybe_title.get(todo_id, ()):
            verdict.problems.append(f"todo {todo_id} has {by_id[todo_id]!r}, last acknowledged {title!r}")
    for title in titles_without_id:
        if title_counts[title] != 1:
            verdict.problems.append(f"todo {title!r} is there {title_counts[title]} times, not once")
    return verdict
