"""Issue 11: the bench suite runs end to end on tiny settings (SQLite, 0.5 s windows), so it cannot rot. Not timed."""

import json
import os
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
ROWS = ["hello", "userinfo", "bearer_list", "todo_page", "refresh", "sso_hop", "signin"]
NUMBER = r"[0-9]+(?:\.[0-9]+)?"


def test_the_suite_prints_every_row_with_numbers(tmp_path):
    results = tmp_path / "bench.json"
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "REDIS_URL"}}
    done = subprocess.run(  # noqa: S603
        [sys.executable, str(ROOT / "bench" / "suite.py"), "--sqlite", "--tiny", "--port-base", "9110"]
        + ["--json", str(results)],
        capture_output=True,
        text=True,
        timeout=180,
        env=env,
        check=False,
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    for name in ROWS:
        row = rf"^\| {name} \| {NUMBER} \| {NUMBER} \| {NUMBER} \| {NUMBER} \| {NUMBER} \|"
        assert re.search(row, done.stdout, re.MULTILINE), f"no row with numbers for {name}:\n{done.stdout}"
    saved = json.loads(results.read_text())
    assert [row["scenario"] for row in saved["rows"]] == ROWS
    assert all(row["errors"] == 0 for row in saved["rows"]), saved["rows"]
    assert "failed operations" not in done.stdout
