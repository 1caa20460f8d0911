"""`make run`'s development upstream provider (devtools/upstream.py): without node, Accounts just shows no button."""

import shutil

from devtools import upstream


def test_without_node_make_run_says_so_and_enables_nothing(monkeypatch):
    monkeypatch.setattr(shutil, "which", lambda tool: None)
    monkeypatch.delenv("UPSTREAM_DEV_ENABLED", raising=False)

    line = upstream.start("http://localhost:5000")

    assert line.startswith("no upstream provider (node and npm not installed)")
    assert "UPSTREAM_DEV_ENABLED" not in upstream.os.environ
