"""The processes under the production-like stack: PostgreSQL and Redis of its own (which the fault drills
stop and restart), the machine's shared ones for make prod, and children that die with their parent."""

import ctypes
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import requests

HOST = "127.0.0.1"
PG_BIN = next(iter(sorted(Path("/usr/lib/postgresql").glob("*/bin"))), None)


PR_SET_PDEATHSIG = 1


def die_with_parent() -> None:
    """In the child before exec: the kernel sends it SIGTERM if the stack's process dies unannounced."""
    ctypes.CDLL(None).prctl(PR_SET_PDEATHSIG, signal.SIGTERM)


def stop_on_sigterm() -> None:
    """A SIGTERM (timeout, CI cancelling) unwinds like Ctrl+C, so every finally stops what it started."""
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))


def _run(cmd: list, **kwargs) -> None:
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, **kwargs)


def _as_postgres_user() -> list[str]:
    # initdb and postgres refuse to run as root; on a developer machine they run as the caller.
    return ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []


class PrivatePostgres:
    """A PostgreSQL cluster of our own (in a temporary folder) that the drills may stop and restart."""

    def __init__(self, port: int):
        # Its own temporary folder: the server runs as the postgres user, who cannot enter ours.
        self.folder, self.port = Path(tempfile.mkdtemp(prefix="gatehouse-pg-")), port
        self.data = self.folder / "pgdata"

    @property
    def url(self) -> str:
        return f"postgresql+psycopg://postgres@{HOST}:{self.port}/gatehouse"

    def _ctl(self, *args: str) -> None:
        _run([*_as_postgres_user(), str(PG_BIN / "pg_ctl"), "-D", str(self.data), "-w", *args])

    def create(self) -> None:
        if os.geteuid() == 0:
            shutil.chown(self.folder, "postgres")
        _run([*_as_postgres_user(), str(PG_BIN / "initdb"), "-D", str(self.data), "-A", "trust", "-U", "postgres"])
        self.start()
        _run([str(PG_BIN / "createdb"), "-h", HOST, "-p", str(self.port), "-U", "postgres", "gatehouse"])

    def start(self) -> None:
        options = f"-p {self.port} -k {self.folder} -c listen_addresses={HOST} -c max_connections=200 -c fsync=off"
        self._ctl("-o", options, "-l", str(self.folder / "postgres.log"), "start")

    def stop(self) -> None:
        self._ctl("-m", "fast", "stop")

    def destroy(self) -> None:
        subprocess.run(
            [*_as_postgres_user(), str(PG_BIN / "pg_ctl"), "-D", str(self.data), "-m", "immediate", "stop"],
            capture_output=True,
        )
        shutil.rmtree(self.folder, ignore_errors=True)


class PrivateRedis:
    """A Redis of our own, keeping nothing on disk."""

    def __init__(self, port: int):
        self.port = port
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://{HOST}:{self.port}/0"

    def start(self) -> None:
        self.process = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", HOST, "--save", "", "--appendonly", "no"],
            stdout=subprocess.DEVNULL,
            preexec_fn=die_with_parent,  # noqa: PLW1509 (only a prctl call, no locks taken)
        )
        wait_for(lambda: _redis_answers(self.port), "Redis")

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(10)


def _redis_answers(port: int) -> bool:
    return subprocess.run(["redis-cli", "-p", str(port), "ping"], capture_output=True).stdout.strip() == b"PONG"


def wait_for(ready, what: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if ready():
                return
        except (requests.RequestException, OSError):
            pass
        time.sleep(0.25)
    raise RuntimeError(f"{what} did not come up within {timeout:.0f} s")


def shared_services() -> tuple[str, str]:
    """The machine's PostgreSQL and Redis (started if down, as .ci/run does), database gatehouse_prod."""
    _run(["bash", "-c", _START_SHARED])
    return "postgresql+psycopg://postgres@127.0.0.1:5432/gatehouse_prod", "redis://127.0.0.1:6379/3"


_START_SHARED = """
pg_isready -h 127.0.0.1 -p 5432 -q || { pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql)" main start;
  for _ in $(seq 30); do pg_isready -h 127.0.0.1 -p 5432 -q && break; sleep 1; done; }
redis-cli -h 127.0.0.1 -p 6379 ping >/dev/null 2>&1 || redis-server --daemonize yes --bind 127.0.0.1 --port 6379 \
  --save "" --appendonly no
psql -h 127.0.0.1 -U postgres -tAc "SELECT 1 FROM pg_database WHERE datname='gatehouse_prod'" | grep -q 1 ||
  createdb -h 127.0.0.1 -U postgres gatehouse_prod
"""
