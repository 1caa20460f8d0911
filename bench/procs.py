"""Server CPU from /proc: per process group, CPU seconds used during a window (the load generator excluded)."""

import os
import threading
from collections.abc import Callable
from dataclasses import dataclass, field

TICK = 1 / os.sysconf("SC_CLK_TCK")
SAMPLE_SECONDS = 0.2


def read_stat(pid: int) -> tuple[int, float, float] | None:
    """(ppid, own utime+stime, reaped children's cutime+cstime) in seconds, or None if the process is gone."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as handle:
            raw = handle.read().decode()
    except OSError:
        return None
    fields = raw.rsplit(")", 1)[1].split()
    # Fields after the command: state ppid … utime(14) stime(15) cutime(16) cstime(17), counted from 3.
    return int(fields[1]), (int(fields[11]) + int(fields[12])) * TICK, (int(fields[13]) + int(fields[14])) * TICK


def cmdline(pid: int) -> str:
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as handle:
            return handle.read().replace(b"\0", b" ").decode(errors="replace").strip()
    except OSError:
        return ""


def all_pids() -> list[int]:
    return [int(name) for name in os.listdir("/proc") if name.isdigit()]


def children_of(root: int) -> list[int]:
    """Every descendant of root (gunicorn workers, PostgreSQL backends)."""
    parents: dict[int, list[int]] = {}
    for pid in all_pids():
        stat = read_stat(pid)
        if stat is not None:
            parents.setdefault(stat[0], []).append(pid)
    found, todo = [], [root]
    while todo:
        kids = parents.get(todo.pop(), [])
        found += kids
        todo += kids
    return found


@dataclass
class Group:
    """A server's processes: the root, its descendants that `member` accepts; reaped children via cutime if asked."""

    name: str
    root: int
    member: Callable[[int], bool] = lambda pid: True
    count_reaped: bool = False

    def pids(self) -> list[int]:
        return [self.root, *(pid for pid in children_of(self.root) if self.member(pid))]


@dataclass
class Window:
    """CPU seconds per group between start() and stop(); processes are sampled so short-lived ones count too."""

    groups: list[Group]
    first: dict[tuple[str, int], float] = field(default_factory=dict)
    last: dict[tuple[str, int], float] = field(default_factory=dict)
    reaped: dict[str, list[float]] = field(default_factory=dict)
    _stop: threading.Event = field(default_factory=threading.Event)
    _thread: threading.Thread | None = None

    def _sample(self, baseline: bool) -> set[tuple[str, int]]:
        seen = set()
        for group in self.groups:
            for pid in group.pids():
                stat = read_stat(pid)
                if stat is None:
                    continue
                key = (group.name, pid)
                seen.add(key)
                # A process born during the window used all its CPU inside it.
                self.first.setdefault(key, stat[1] if baseline else 0.0)
                self.last[key] = stat[1]
                if pid == group.root and group.count_reaped:
                    self.reaped.setdefault(group.name, [stat[2], stat[2]])[1] = stat[2]
        return seen

    def _run(self) -> None:
        while not self._stop.wait(SAMPLE_SECONDS):
            self._sample(baseline=False)

    def start(self) -> None:
        self._sample(baseline=True)
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def stop(self) -> dict[str, float]:
        """CPU seconds per group name."""
        self._stop.set()
        self._thread.join()
        alive = self._sample(baseline=False)
        used = {group.name: 0.0 for group in self.groups}
        reaping = {group.name for group in self.groups if group.count_reaped}
        for key, value in self.last.items():
            if key[0] in reaping and key not in alive:
                # Its whole CPU time is in the parent's cutime now: take back what it had used before the window.
                used[key[0]] -= self.first[key]
            else:
                used[key[0]] += value - self.first[key]
        for name, (before, after) in self.reaped.items():
            used[name] += after - before
        return used


def machine_busy() -> float:
    """CPU seconds every core of the machine has spent busy since boot (to see how loaded a shared machine was)."""
    with open("/proc/stat") as handle:
        fields = [int(v) for v in handle.readline().split()[1:]]
    idle = fields[3] + fields[4]  # idle and iowait
    return (sum(fields[:8]) - idle) * TICK


def postmaster_pid() -> int | None:
    """The PostgreSQL postmaster: the postgres process whose parent is not postgres."""
    for pid in all_pids():
        line = cmdline(pid)
        if "postgres" in line and (" -D " in line or line.endswith("postgres")):
            stat = read_stat(pid)
            if stat and "postgres" not in cmdline(stat[0]):
                return pid
    return None


def redis_pid(port: int = 6379) -> int | None:
    for pid in all_pids():
        line = cmdline(pid)
        if line.startswith("redis-server") and f":{port}" in line:
            return pid
    return None


def postgres_group(database: str, everything: bool) -> Group | None:
    """PostgreSQL: postmaster, its helpers and the backends of `database` (or every backend and the reaped ones)."""
    root = postmaster_pid()
    if root is None:
        return None
    if everything:
        return Group("pg", root, count_reaped=True)

    def ours(pid: int) -> bool:
        line = cmdline(pid)
        # Backends read "postgres: 15/main: user db host(port) state"; helpers have no client address.
        return "(" not in line or f" {database} " in line

    return Group("pg", root, ours)
