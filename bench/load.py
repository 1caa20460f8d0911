"""The load generator: a separate process (its CPU is not counted) with one thread per seat."""

import multiprocessing
import threading
import time
from dataclasses import dataclass

from scenarios import SCENARIOS, Seat, Sites


@dataclass
class Outcome:
    ops: int
    seconds: float
    latencies_ms: list[float]
    errors: int
    first_error: str


def _child(pipe, name: str, sites: Sites, seats: list[Seat], seconds: float) -> None:
    """Warm each thread up with one operation, report ready, run from "go" for `seconds`, send the outcome."""
    scenario = SCENARIOS[name]
    ops = [scenario.build(sites, seat) for seat in seats]
    ready = threading.Barrier(len(seats) + 1)
    go = threading.Event()
    clock = {"deadline": 0.0}
    latencies: list[list[float]] = [[] for _ in seats]
    errors: list[list[str]] = [[] for _ in seats]

    def worker(index: int) -> None:
        op, mine, failed = ops[index], latencies[index], errors[index]
        try:
            op()
        except Exception as error:  # noqa: BLE001 (reported with the outcome)
            failed.append(f"warm-up: {error}")
        ready.wait()
        go.wait()
        while time.perf_counter() < clock["deadline"]:
            began = time.perf_counter()
            try:
                op()
            except Exception as error:  # noqa: BLE001 (reported with the outcome)
                failed.append(str(error))
                continue
            mine.append((time.perf_counter() - began) * 1000)

    threads = [threading.Thread(target=worker, args=(n,), daemon=True) for n in range(len(seats))]
    for thread in threads:
        thread.start()
    ready.wait()
    pipe.send("ready")
    pipe.recv()
    began = time.perf_counter()
    clock["deadline"] = began + seconds
    go.set()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - began
    flat = [ms for per_thread in latencies for ms in per_thread]
    failures = [message for per_thread in errors for message in per_thread]
    pipe.send(Outcome(len(flat), elapsed, flat, len(failures), failures[0] if failures else ""))


def run_window(name: str, sites: Sites, seats: list[Seat], seconds: float, on_go, on_done) -> Outcome:
    """Run one measured window in a fresh process; on_go/on_done bracket it (the CPU meter)."""
    parent, child = multiprocessing.Pipe()
    process = multiprocessing.get_context("fork").Process(
        target=_child, args=(child, name, sites, seats, seconds), daemon=True
    )
    process.start()
    try:
        if not parent.poll(120) or parent.recv() != "ready":
            raise RuntimeError(f"{name}: the load generator did not get ready")
        on_go()
        parent.send("go")
        if not parent.poll(seconds + 120):
            raise RuntimeError(f"{name}: the load generator did not finish")
        outcome = parent.recv()
        on_done()
        process.join(10)
        return outcome
    finally:
        if process.is_alive():
            process.kill()
            process.join()
