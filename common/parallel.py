"""Run a few slow calls (HTTP deliveries) at once under one overall deadline; stragglers finish on their own."""

from collections.abc import Callable, Hashable
from concurrent.futures import ThreadPoolExecutor, wait

TIMED_OUT = object()


def run_all(calls: dict[Hashable, Callable[[], object]], *, deadline: float, name: str = "parallel") -> dict:
    """Start every call, wait at most `deadline` seconds in total; results by key (TIMED_OUT for stragglers)."""
    if not calls:
        return {}
    executor = ThreadPoolExecutor(max_workers=min(8, len(calls)), thread_name_prefix=name)
    futures = {key: executor.submit(call) for key, call in calls.items()}
    done, _ = wait(futures.values(), timeout=deadline)
    # Stragglers finish (or time out) on their own threads; the caller does not wait for them.
    executor.shutdown(wait=False, cancel_futures=True)
    return {key: future.result() if future in done else TIMED_OUT for key, future in futures.items()}
