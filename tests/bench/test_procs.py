"""Issue 11: the bench's CPU meter counts a group's processes, the ones that exit inside the window included."""

import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bench"))

import procs  # noqa: E402

BURN = "import time\nend = time.process_time() + {seconds}\nwhile time.process_time() < end: pass"
# A parent that, told to, starts a burning child and reaps it (as a postmaster reaps backends), then waits.
PARENT = (
    "import subprocess, sys\n"
    "sys.stdin.readline()\n"
    "subprocess.run([sys.executable, '-c', {burn!r}], check=True)\n"
    "print('reaped', flush=True)\n"
    "sys.stdin.readline()\n"
)


def test_a_child_that_exits_in_the_window_counts_through_the_parents_cutime():
    parent = subprocess.Popen(  # noqa: S603
        [sys.executable, "-c", PARENT.format(burn=BURN.format(seconds=0.4))],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        window = procs.Window([procs.Group("tree", parent.pid, count_reaped=True)])
        window.start()
        parent.stdin.write("go\n")
        parent.stdin.flush()
        assert parent.stdout.readline() == "reaped\n"
        used = window.stop()["tree"]
    finally:
        parent.communicate("\n", timeout=10)
    assert 0.35 <= used <= 1.5


def test_a_process_of_another_group_is_not_counted():
    burner = subprocess.Popen([sys.executable, "-c", BURN.format(seconds=0.3)])  # noqa: S603
    idle = subprocess.Popen([sys.executable, "-c", "import sys; sys.stdin.readline()"], stdin=subprocess.PIPE)  # noqa: S603
    try:
        window = procs.Window([procs.Group("idle", idle.pid)])
        window.start()
        burner.wait(timeout=10)
        used = window.stop()["idle"]
    finally:
        idle.communicate(b"\n", timeout=10)
    assert used < 0.1
