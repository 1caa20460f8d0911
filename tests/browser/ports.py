"""Ports for the browser journeys: any free one, or one from GATEHOUSE_TEST_PORTS (e.g. 9160-9179) when set."""

import itertools
import os
import socket


def _configured() -> range | None:
    first, _, last = os.environ.get("GATEHOUSE_TEST_PORTS", "").partition("-")
    return range(int(first), int(last or first) + 1) if first else None


_RANGE = _configured()
_TURNS = itertools.cycle(_RANGE) if _RANGE else None


def _bindable(host: str, port: int) -> bool:
    with socket.socket() as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError:
            return False
        return True


def pick_port(host: str) -> int:
    """A port free at host now; from the configured range in turn, so consecutive calls give different ports."""
    if _TURNS is None:
        with socket.socket() as probe:
            probe.bind((host, 0))
            return probe.getsockname()[1]
    for port in itertools.islice(_TURNS, len(_RANGE)):
        if _bindable(host, port):
            return port
    raise RuntimeError(f"no free port in GATEHOUSE_TEST_PORTS on {host}")
