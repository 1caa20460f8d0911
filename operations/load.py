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
from dataclasses import dataclass, field
from pathlib import Path

from .ledger import Verdict, check, read_ledger
from .services import PrivatePostgres, PrivateRedis, stop_on_sigterm
from .stack import BIN, ROOT, Ports, Stack, url

# Seeded accounts the simulated users never use: the fault drills' probe signs in with them.
PROBE_ACCOUNTS = 2


@dataclass
class Outcome:
    """One Locust run: its table, the ledger's verdict, and what Locust and the app logs reported."""

    table: str
    verdict: Verdict
    locust_problems: list[str] = field(default_factory=list)
    tracebacks: int = 0


class LoadRig:
    """The stack on private PostgreSQL + Redis (which drills may stop), reused by consecutive runs."""

    def __init__(self, users: int, port_base: int, extra_env: dict[str, str] | None = None):
        self.folder = Path(tempfile.mkdtemp(prefix="gatehouse-load-"))
        ports = Ports(port_base)
        self.postgres, self.redis = PrivatePostgres(ports.postgres), PrivateRedis(ports.redis)
        self.stack = Stack(self.folder, ports, seed_users=max(8, users) + PROBE_ACCOUNTS, extra_env=extra_env or {})
        self.runs = 0

    def __enter__(self) -> "LoadRig":
        try:
            self.postgres.create()
            self.redis.start()
            self.stack.database_url, self.stack.redis_url = self.postgres.url, self.redis.url
            print(f"Starting the stack in {self.folder} …", flush=True)
            self.stack.start()
        except BaseException:
            self.__exit__()
            raise
        return self

    def __exit__(self, *exc) -> None:
        self.stack.stop()
        self.redis.stop()
        self.postgres.destroy()

    @property
    def probe_accounts(self) -> list[dict]:
        return self.stack.seed["users"][-PROBE_ACCOUNTS:]

    def run(self, users: int, seconds: int, during: Callable[[], None] | None = None) -> Outcome:
        """Run Locust for `seconds` with `users`; `during` runs meanwhile (a drill), then the checks."""
        self.runs += 1
        prefix = self.folder / f"run{self.runs}"
        ledger = prefix.with_suffix(".ledger.jsonl")
        log_sizes = {log: log.stat().st_size for log in self._app_logs()}
        locust = self._start_locust(prefix, ledger, users, seconds)
        try:
            if during:
                during()
        finally:
            locust.wait()
        return Outcome(
            table=_table(Path(f"{prefix}_stats.csv")),
            verdict=check(read_ledger(ledger), self.postgres.url),
            locust_problems=_exceptions(Path(f"{prefix}_exceptions.csv")) + _failures(Path(f"{prefix}_failures.csv")),
            tracebacks=sum(
                log.read_bytes()[log_sizes.get(log, 0) :].count(b"Traceback (most recent call last)")
                for log in self._app_logs()
            ),
        )

    def _app_logs(self) -> list[Path]:
        return [self.folder / f"{name}.log" for name in self.stack.targets if (self.folder / f"{name}.log").exists()]

    def _start_locust(self, prefix: Path, ledger: Path, users: int, seconds: int) -> subprocess.Popen:
        stack = self.stack
        description = {
            "accounts": [url(p) for p in stack.ports.accounts],
            "acme": url(stack.ports.tenant("acme")),
            "globex": url(stack.ports.tenant("globex")),
            "cert": str(stack.cert),
            "mail": str(stack.mail_folder),
            "users": stack.seed["users"][:-PROBE_ACCOUNTS],
            "password": stack.seed["password"],
            "api_client": stack.seed["clients"]["api"],
        }
        env = {**os.environ, "LOAD_STACK": json.dumps(description), "LOAD_LEDGER": str(ledger), "PYTHONPATH": str(ROOT)}
        command = [
            str(BIN / "locust"), "-f", str(ROOT / "operations" / "locustfile.py"), "--headless",
            "--users", str(users), "--spawn-rate", str(max(1, users // 5)), "--run-time", f"{seconds}s",
            "--stop-timeout", "10", "--csv", str(prefix), "--only-summary", "--loglevel", "WARNING",
        ]  # fmt: skip
        log = open(f"{prefix}.locust.log", "w")  # noqa: SIM115 (Locust's process keeps it)
        return subprocess.Popen(command, env=env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=log)


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


def size_arguments(doc: str, full: tuple[int, int], quick: tuple[int, int]) -> argparse.ArgumentParser:
    """The options the load test and the drills share: how many users, how long, and a quick mode for CI."""
    parser = argparse.ArgumentParser(description=doc, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--users", type=int, default=full[0])
    parser.add_argument("--seconds", type=int, default=full[1])
    parser.add_argument("--quick", action="store_const", const=quick, help=f"{quick[0]} users, {quick[1]} s (CI)")
    parser.add_argument("--port-base", type=int, default=9200)
    return parser


def sized(args: argparse.Namespace) -> argparse.Namespace:
    if args.quick:
        args.users, args.seconds = args.quick
    return args


def main() -> None:
    stop_on_sigterm()
    args = sized(size_arguments(__doc__, full=(50, 60), quick=(8, 15)).parse_args())
    with LoadRig(args.users, args.port_base) as rig:
        outcome = rig.run(args.users, args.seconds)
    print(outcome.table)
    print(f"Ledger: {dict(outcome.verdict.checked)}")
    problems = outcome.verdict.problems_beyond(frozenset()) + outcome.locust_problems
    if outcome.tracebacks:
        problems.append(f"{outcome.tracebacks} tracebacks in the app server logs")
    for problem in problems[:30]:
        print(f"  PROBLEM: {problem}")
    print("All checks passed." if not problems else "Checks FAILED.")
    sys.exit(1 if problems else 0)


if __name__ == "__main__":
    main()
