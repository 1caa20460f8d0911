"""Fault drills (make faults): each runs under the load test on the production-like stack, breaks one thing,
and checks what users see meanwhile, that it recovers without restarting the app, and the load test's
invariants (no acknowledged write lost or doubled, no answer 500). One stack serves every drill.

    .venv/bin/python -m operations.faults                 # every drill, 30 users, 45 s each
    .venv/bin/python -m operations.faults --quick         # what CI runs: 6 users, 20 s each
    .venv/bin/python -m operations.faults postgres-restart redis-stop
"""

import os
import signal
import sys
import time

import requests

from .browsing import sign_in_at, submit
from .load import LoadRig, size_arguments, sized
from .services import stop_on_sigterm
from .stack import url

# Short access tokens, so "ends at the next refresh" is seen within a drill, not after five minutes.
ACCESS_TOKEN_SECONDS = 45


class Probe:
    """One person in a browser, outside the load: signs in and looks at pages while a drill breaks things."""

    def __init__(self, rig: LoadRig, account: dict):
        self.rig, self.account = rig, account
        self.session = requests.Session()
        self.session.headers["X-Forwarded-For"] = "10.250.0.1"
        self.acme, self.globex = (url(rig.stack.ports.tenant(t)) for t in ("acme", "globex"))
        self.accounts = rig.stack.accounts_url

    def request(self, method: str, target: str, name: str = "", **kwargs):
        kwargs.setdefault("timeout", 10)
        # Per request: requests lets a CA-bundle variable in the environment override a session's verify.
        kwargs.setdefault("verify", str(self.rig.stack.cert))
        return self.session.request(method, target, **kwargs)

    def sign_in(self, tenant: str) -> None:
        password = self.rig.stack.seed["password"]
        sign_in_at(self.request, tenant, self.account["email"], password, self.account.get("totp_secret"), time.sleep)

    def sign_out(self, tenant: str):
        page = self.request("GET", f"{tenant}/")
        return submit(self.request, page, f"{tenant}/auth/sign-out", {}, name="sign-out")

    def status(self, target: str, **kwargs) -> tuple[int, str]:
        try:
            answer = self.request("GET", target, allow_redirects=False, **kwargs)
        except requests.RequestException as error:
            return 0, type(error).__name__
        return answer.status_code, answer.text


class Drill:
    """A fault and what must hold while and after it happens. `allowed` are the 5xx answers the fault may cause."""

    name = ""
    allowed: frozenset[int] = frozenset()

    def __init__(self, rig: LoadRig, seconds: int):
        self.rig, self.seconds = rig, seconds
        self.problems: list[str] = []
        self.notes: list[str] = []
        self.probe = Probe(rig, rig.probe_accounts[0])

    def expect(self, condition: bool, problem: str) -> None:
        if not condition:
            self.problems.append(problem)

    def expect_clear_answer(self, target: str, what: str, statuses: set[int], **kwargs) -> None:
        status, body = self.probe.status(target, **kwargs)
        self.notes.append(f"{what}: {status}")
        self.expect(status in statuses, f"{what} answered {status}, expected one of {sorted(statuses)}")
        self.expect("Traceback" not in body, f"{what} showed a stack trace")

    def wait_until_ready(self, names: list[str], within: float = 30) -> None:
        started = time.monotonic()
        for name in names:
            try:
                self.rig.stack.wait_ready(name)
            except RuntimeError:
                self.problems.append(f"{name} not ready again {within:.0f} s after the fault, without a restart")
                return
        self.notes.append(f"ready again after {time.monotonic() - started:.1f} s, without restarting any app")

    def during(self) -> None:
        raise NotImplementedError


class PostgresRestart(Drill):
    name = "postgres-restart"
    allowed = frozenset({503})

    def during(self) -> None:
        self.probe.sign_in(self.probe.acme)
        time.sleep(self.seconds / 3)
        self.rig.postgres.stop()
        try:
            self.expect_clear_answer(f"{self.probe.accounts}/sign-in", "Accounts sign-in page, database down", {503})
            self.expect_clear_answer(f"{self.probe.acme}/todos/", "Acme todo page, database down", {503})
            self.expect_clear_answer(
                f"{self.probe.acme}/api/v1/orgs", "Acme API, database down", {401, 503},
                headers={"Authorization": "Bearer not-a-token"},
            )  # fmt: skip
            self.expect_clear_answer(f"{self.probe.accounts}/readyz", "Accounts /readyz, database down", {503})
            time.sleep(3)
        finally:
            self.rig.postgres.start()
        self.wait_until_ready(list(self.rig.stack.targets))
        self.expect_clear_answer(f"{self.probe.acme}/todos/", "Acme todo page after the restart", {200})


class RedisStop(Drill):
    name = "redis-stop"
    # Redis holds only rate-limit counters: nothing else may break while it is gone.
    allowed = frozenset()

    def during(self) -> None:
        time.sleep(self.seconds / 3)
        self.rig.redis.stop()
        try:
            self.probe.sign_in(self.probe.acme)
            self.notes.append("sign-in with Redis down: works (limits fell back to each worker's memory)")
        except (AssertionError, requests.RequestException) as error:
            self.problems.append(f"sign-in with Redis down failed: {error}")
        self.expect_clear_answer(f"{self.probe.accounts}/readyz", "Accounts /readyz, Redis down", {503})
        self.expect_clear_answer(f"{self.probe.acme}/todos/", "Acme todo page, Redis down", {200})
        time.sleep(self.seconds / 3)
        self.rig.redis.start()
        self.wait_until_ready(["accounts-1", "accounts-2"])


class WorkerKilled(Drill):
    name = "worker-kill"
    allowed = frozenset()

    def during(self) -> None:
        time.sleep(self.seconds / 3)
        for name in ("accounts-1", "acme"):
            workers = self.rig.stack.worker_pids(name)
            os.kill(workers[0], signal.SIGKILL)
            self.notes.append(f"killed {name} worker {workers[0]} mid-load")
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            counts = {n: len(self.rig.stack.worker_pids(n)) for n in ("accounts-1", "acme")}
            if all(c >= self.rig.stack.workers for c in counts.values()):
                self.notes.append("gunicorn replaced both workers")
                break
            time.sleep(0.5)
        else:
            self.problems.append(f"workers not replaced: {counts}")
        self.wait_until_ready(["accounts-1", "acme"])


class TenantDownDuringLogout(Drill):
    name = "tenant-down-logout"
    allowed = frozenset()

    def during(self) -> None:
        probe = self.probe
        probe.sign_in(probe.acme)
        probe.sign_in(probe.globex)
        self.expect_clear_answer(f"{probe.globex}/todos/", "Globex todo page, signed in", {200})
        self.rig.stack.stop_site("globex")
        signed_out = probe.sign_out(probe.acme)
        self.expect(signed_out.url.startswith(probe.acme), "sign-out at Acme did not finish while Globex was down")
        self.rig.stack.start_site("globex")
        self.wait_until_ready(["globex"])
        # Globex missed the logout token; its session must end at the next refresh, within the token lifetime.
        started = time.monotonic()
        while time.monotonic() - started < ACCESS_TOKEN_SECONDS + 30:
            status, _ = probe.status(f"{probe.globex}/todos/")
            if status != 200:
                self.notes.append(f"Globex session ended {time.monotonic() - started:.0f} s after it came back")
                self.expect(status in (302, 303), f"Globex answered {status} when the session ended")
                return
            time.sleep(1)
        self.problems.append(f"Globex still signed in {ACCESS_TOKEN_SECONDS + 30} s after it came back")


class AccountsDown(Drill):
    name = "accounts-down"
    allowed = frozenset({502, 503})

    def during(self) -> None:
        probe = self.probe
        probe.sign_in(probe.acme)
        signed_in_at = time.monotonic()
        time.sleep(self.seconds / 3)
        for name in ("accounts-1", "accounts-2"):
            self.rig.stack.stop_site(name)
        try:
            # Within the access token's life the page still works; once it must refresh, a clear error page.
            self.expect_clear_answer(f"{probe.acme}/todos/", "Acme todo page, Accounts down", {200, 502, 503})
            # With discovery cached the tenant can only send the browser on; the browser then meets the outage.
            self.expect_clear_answer(f"{probe.acme}/auth/sign-in", "Acme sign-in, Accounts down", {302, 502, 503})
            self.expect_clear_answer(f"{probe.acme}/readyz", "Acme /readyz, Accounts down", {200})
            # A refresh due meanwhile fails quietly while the token lives; past its expiry the page says why.
            time.sleep(max(0.0, ACCESS_TOKEN_SECONDS + 2 - (time.monotonic() - signed_in_at)))
            self.expect_clear_answer(
                f"{probe.acme}/todos/", "Acme todo page, Accounts down past the token's life", {503}
            )
        finally:
            for name in ("accounts-1", "accounts-2"):
                self.rig.stack.start_site(name)
        self.wait_until_ready(["accounts-1", "accounts-2"])
        self.expect_clear_answer(f"{probe.acme}/todos/", "Acme todo page, Accounts back", {200})


DRILLS = {d.name: d for d in (PostgresRestart, RedisStop, WorkerKilled, TenantDownDuringLogout, AccountsDown)}


def run_drill(rig: LoadRig, drill_class: type[Drill], users: int, seconds: int) -> list[str]:
    drill = drill_class(rig, seconds)
    outcome = rig.run(users, seconds, during=drill.during)
    problems = drill.problems + outcome.verdict.problems_beyond(drill.allowed)
    print(f"\n== {drill.name}")
    for note in drill.notes:
        print(f"  {note}")
    print(f"  ledger: {dict(outcome.verdict.checked)}; answers ≥ 500: {outcome.verdict.server_errors or 'none'}")
    if outcome.locust_problems:
        print(f"  load-test requests that failed during the fault (expected): {len(outcome.locust_problems)} kinds")
    for problem in problems:
        print(f"  PROBLEM: {problem}")
    print(f"  {'passed' if not problems else 'FAILED'}")
    return problems


def main() -> None:
    stop_on_sigterm()
    parser = size_arguments(__doc__, full=(30, 45), quick=(6, 20))
    parser.add_argument("drills", nargs="*", choices=[[], *DRILLS], help="default: all")
    args = sized(parser.parse_args())
    chosen = [DRILLS[name] for name in args.drills] or list(DRILLS.values())
    failed = []
    with LoadRig(args.users, args.port_base, {"ACCESS_TOKEN_SECONDS": str(ACCESS_TOKEN_SECONDS)}) as rig:
        for drill_class in chosen:
            if run_drill(rig, drill_class, args.users, args.seconds):
                failed.append(drill_class.name)
    print(f"\nDrills failed: {', '.join(failed)}" if failed else "\nAll drills passed.")
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
