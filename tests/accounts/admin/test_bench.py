"""bench/admin_users.py runs end to end (at tiny sizes; not timed: the figures come from a real run)."""

import importlib.util
from pathlib import Path

BENCH = Path(__file__).resolve().parents[3] / "bench" / "admin_users.py"


def test_the_bench_fills_measures_and_reports(monkeypatch, tmp_path, capsys):
    monkeypatch.setenv("ACCOUNTS_DATABASE_URL", "")  # the bench sets it; monkeypatch restores it afterwards
    spec = importlib.util.spec_from_file_location("admin_users_bench", BENCH)
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)
    results = bench.main(["--sizes", "70,140", "--repeat", "2"])
    assert set(results) == {70, 140}
    rows = {label: count for label, _, _, count, _blocks in results[140]}
    assert rows["first page"] == 50 and rows["deep page (60 rows from the end)"] == 50
    assert "| first page | 50 |" in capsys.readouterr().out
