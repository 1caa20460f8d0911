"""The servers under test: PostgreSQL and Redis started if down (as .ci/run does), gunicorn sites."""

import contextlib
import ctypes
import os
import shutil
import signal
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

PR_SET_PDEATHSIG = 1
BENCH_DIR = Path(__file__).resolve().parent
# The same gunicorn settings for every server, hello included: sync workers (4 unless told), no preload.
GUNICORN_SETTINGS = ["--worker-class", "sync", "--log-level", "warning", "--graceful-timeout", "5"]


def _run(command: list[str], **kwargs) -> subprocess.CompletedProcess:
    return subprocess.run(command, check=False, capture_output=True, text=True, **kwargs)  # noqa: S603


def ensure_postgres(host: str = "127.0.0.1", port: int = 5432) -> None:
    """Start the local cluster if it does not answer (the way .ci/run does)."""
    if _run(["pg_isready", "-h", host, "-p", str(port), "-q"]).returncode == 0:
        return
    version = sorted(os.listdir("/etc/postgresql"))[-1]
    _run(["pg_ctlcluster", "--skip-systemctl-redirect", version, "main", "start"])
    for _ in range(30):
        if _run(["pg_isready", "-h", host, "-p", str(port), "-q"]).returncode == 0:
            return
        time.sleep(1)
    raise RuntimeError("PostgreSQL did not start")


def ensure_redis(port: int = 6379) -> None:
    """Start redis-server if it does not answer (the way .ci/run does)."""
    if _run(["redis-cli", "-h", "127.0.0.1", "-p", str(port), "ping"]).returncode == 0:
        return
    for folder in ("/var/lib/redis", "/var/log/redis"):
        os.makedirs(folder, exist_ok=True)
    _run(
        ["redis-server", "--daemonize", "yes", "--bind", "127.0.0.1", "-::1", "--port", str(port), "--save", ""]
        + ["--appendonly", "no", "--dir", "/var/lib/redis", "--logfile", "/var/log/redis/ci.log"]
    )
    for _ in range(30):
        if _run(["redis-cli", "-h", "127.0.0.1", "-p", str(port), "ping"]).returncode == 0:
            return
        time.sleep(1)
    raise RuntimeError("Redis did not start")


def reset_postgres(database: str) -> None:
    """Create the bench database if missing; every run starts from an empty public schema."""
    _run(["createdb", "-h", "127.0.0.1", "-U", "postgres", database])
    reset = _run(
        ["psql", "-h", "127.0.0.1", "-U", "postgres", "-d", database, "-q", "-v", "ON_ERROR_STOP=1", "-c"]
        + ["DROP SCHEMA IF EXISTS public CASCADE; CREATE SCHEMA public;"]
    )
    if reset.returncode != 0:
        raise RuntimeError(f"could not reset database {database}: {reset.stderr}")


@dataclass
class Server:
    name: str
    url: str
    process: subprocess.Popen
    log: Path

    @property
    def pid(self) -> int:
        return self.process.pid


def _die_with_parent() -> None:
    """In the child before exec: the kernel sends SIGTERM to the master if the bench dies unannounced (SIGKILL)."""
    ctypes.CDLL(None).prctl(PR_SET_PDEATHSIG, signal.SIGTERM)


def start(name: str, spec: str, port: int, src: Path, env: dict, logs: Path, workers: int) -> Server:
    """gunicorn serving spec on 127.0.0.1:port from the checkout src; its master is the process group leader."""
    log = logs / f"{name}.log"
    command = [sys.executable, "-m", "gunicorn", *GUNICORN_SETTINGS, "--workers", str(workers)]
    command += [
        "--bind",
        f"127.0.0.1:{port}",
        "--chdir",
        str(src),
        "--pythonpath",
        f"{src},{BENCH_DIR}",
        "--error-logfile",
        str(log),
        spec,
    ]
    process = subprocess.Popen(  # noqa: S603
        command,
        env=env,
        cwd=src,
        start_new_session=True,
        preexec_fn=_die_with_parent,  # noqa: PLW1509 (only a prctl call, no locks taken)
        stdout=subprocess.DEVNULL,
        stderr=subprocess.STDOUT,
    )
    return Server(name, f"http://127.0.0.1:{port}", process, log)


def wait_ready(server: Server, path: str = "/", seconds: float = 60) -> None:
    """Until the server answers HTTP (any status); fail with its log if it died."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            raise RuntimeError(f"{server.name} exited:\n{server.log.read_text()[-3000:]}")
        try:
            urllib.request.urlopen(server.url + path, timeout=2)  # noqa: S310 (our own loopback server)
            return
        except urllib.error.HTTPError:
            return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"{server.name} did not answer on {server.url}")


def stop(server: Server) -> None:
    """SIGTERM to the master (graceful), then SIGKILL its process group if anything is left."""
    if server.process.poll() is None:
        server.process.send_signal(signal.SIGTERM)
        with contextlib.suppress(subprocess.TimeoutExpired):
            server.process.wait(10)
    with contextlib.suppress(ProcessLookupError):
        os.killpg(server.pid, signal.SIGKILL)
    server.process.wait()


def have(tool: str) -> bool:
    return shutil.which(tool) is not None
