"""The load test (make load): the production-like stack on a private PostgreSQL + Redis, Locust's simulated
users against it for a bounded time on loopback, then a table and the ledger's checks. Exits 1 when any
check fails. `--quick` is the small, short run CI does so this cannot rot.

    .venv/bin/python -m operations.load                  # 50 users, 60 s
    .venv/bin/python -m operations.load --quick          # 8 users, 15 s
"""

import argparse
import csv
import json
import os
import subprocess
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

from .ledger import check, read_ledger
from .stack import BIN, ROOT, Ports, PrivatePostgres, PrivateRedis, Stack, url


def run_load(
    users: int,
    seconds: int,
    port_base: int,
    during: Callable[[Stack, PrivatePostgres, PrivateRedis], None] | None = None,
) -> int:
    """Start everything, run Locust (calling `during` while it runs, for the fault drills), check, print."""
    folder = Path(tempfile.mkdtemp(prefix="gatehouse-load-"))
    ports = Ports(port_base)
    postgres, redis = PrivatePostgres(ports.postgres), PrivateRedis(ports.redis)
    stack = Stack(folder, ports, seed_users=max(8, users))
    try:
        postgres.create()
        redis.start()
        stack.database_url, stack.redis_url = postgres.url, redis.url
        print(f"Starting the stack in {folder} …", flush=True)
        stack.start()
        ledger = folder / "ledger.jsonl"
        locust = _start_locust(stack, folder, ledger, users, seconds)
        if during:
            during(stack, postgres, redis)
        locust.wait()
        print(_table(folder / "locust_stats.csv"))
        verdict = check(read_ledger(ledger), postgres.url)
        exceptions = _exceptions(folder / "locust_exceptions.csv") + _failures(folder / "locust_failures.csv")
        print(f"Ledger: {dict(verdict.checked)}")
        for problem in verdict.problems[:20] + exceptions[:20]:
            print(f"  PROBLEM: {problem}")
        ok = verdict.ok and not exceptions and _errors_in_logs(folder) == 0
        print("All checks passed." if ok else "Checks FAILED.")
        return 0 if ok else 1
    finally:
        stack.stop()
        redis.stop()
        postgres.destroy()


def _start_locust(stack: Stack, folder: Path, ledger: Path, users: int, seconds: int) -> subprocess.Popen:
    description = {
        "accounts": [url(p) for p in stack.ports.accounts],
        "acme": url(stack.ports.tenant("acme")),
        "globex": url(stack.ports.tenant("globex")),
        "cert": str(stack.cert),
        "mail": str(stack.mail_folder),
        "users": stack.seed["users"],
        "password": stack.seed["password"],
        "api_client": stack.seed["clients"]["api"],
    }
    env = {**os.environ, "LOAD_STACK": json.dumps(description), "LOAD_LEDGER": str(ledger)}
    command = [
        str(BIN / "locust"),
        "-f",
        str(ROOT / "operations" / "locustfile.py"),
        "--headless",
        "--users",
        str(users),
        "--spawn-rate",
        str(max(1, users // 5)),
        "--run-time",
        f"{seconds}s",
        "--stop-timeout",
        "10",
        "--csv",
        str(folder / "locust"),
        "--only-summary",
        "--loglevel",
        "WARNING",
    ]
    return subprocess.Popen(
        command, env=env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=open(folder / "locust.log", "w")
    )


def _table(stats: Path) -> str:
    rows = list(csv.DictReader(stats.open())) if stats.exists() else []
    lines = [f"{'request':<38} {'count':>7} {'fail':>5} {'p50 ms':>7} {'p99 ms':>7} {'req/s':>7}"]
    for row in rows:
        lines.append(
            f"{row['Name'][:38]:<38} {row['Request Count']:>7} {row['Failure Count']:>5} "
            f"{row['50%']:>7} {row['99%']:>7} {float(row['Requests/s']):>7.1f}"
        )
    return "\n".join(lines)


def _exceptions(path: Path) -> list[str]:
    rows = list(csv.DictReader(path.open())) if path.exists() else []
    return [f"{row['Count']} × {(row['Message'] or row['Traceback'].strip().splitlines()[-1])[:160]}" for row in rows]


def _failures(path: Path) -> list[str]:
    """Requests Locust saw fail (any 4xx or 5xx the simulated users did not ask for)."""
    rows = list(csv.DictReader(path.open())) if path.exists() else []
    return [f"{row['Occurrences']} × {row['Method']} {row['Name']}: {row['Error'][:120]}" for row in rows]


def _errors_in_logs(folder: Path) -> int:
    """Tracebacks in the app servers' logs: an unhandled error is a failure even when its page was polite."""
    found = 0
    for log in folder.glob("*.log"):
        if log.name.startswith(("accounts", "acme", "globex")):
            found += log.read_text(errors="replace").count("Traceback (most recent call last)")
    if found:
        print(f"  PROBLEM: {found} tracebacks in the app server logs under {folder}")
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--seconds", type=int, default=60)
    parser.add_argument("--quick", action="store_true", help="8 users for 15 s (what CI runs)")
    parser.add_argument("--port-base", type=int, default=9200)
    args = parser.parse_args()
    if args.quick:
        args.users, args.seconds = 8, 15
    sys.exit(run_load(args.users, args.seconds, args.port_base))


if __name__ == "__main__":
    main()
