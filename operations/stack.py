"""The production-like stack: every site under gunicorn with production settings over TLS, two Accounts
app servers on one database, PostgreSQL + Redis, and an SMTP sink. `make prod` runs it in the foreground;
the load test and the fault drills start it with private PostgreSQL and Redis they may stop and restart.

    .venv/bin/python -m operations.stack            # make prod: shared PostgreSQL/Redis, until Ctrl+C
"""

import argparse
import datetime
import ipaddress
import json
import os
import secrets
import signal
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

import requests
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from .services import HOST, die_with_parent, shared_services, stop_on_sigterm, wait_for

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
TENANTS = ("acme", "globex")


@dataclass
class Ports:
    """Where everything listens; the two Accounts servers share one issuer URL (the first)."""

    base: int = 9200

    @property
    def accounts(self) -> tuple[int, int]:
        return self.base + 1, self.base + 11

    def tenant(self, slug: str) -> int:
        return self.base + 2 + TENANTS.index(slug)

    @property
    def smtp(self) -> int:
        return self.base + 25

    @property
    def postgres(self) -> int:
        return self.base + 91

    @property
    def redis(self) -> int:
        return self.base + 92


def url(port: int) -> str:
    return f"https://{HOST}:{port}"


def self_signed_certificate(folder: Path) -> tuple[Path, Path]:
    """A TLS certificate for 127.0.0.1: production cookies are Secure and __Host-, so the stack speaks HTTPS."""
    cert, key = folder / "cert.pem", folder / "key.pem"
    if cert.exists() and key.exists():
        return cert, key
    folder.mkdir(parents=True, exist_ok=True)
    private = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Gatehouse local stack")])
    now = datetime.datetime.now(datetime.UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(private.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=30))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address(HOST)), x509.DNSName("localhost")]),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(private, hashes.SHA256())
    )
    cert.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    key.write_bytes(
        private.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
    )
    key.chmod(0o600)
    return cert, key


def site_secrets(path: Path) -> dict[str, str]:
    """Per-site secrets generated once into instance/ (never committed), as production asks for them."""
    if path.exists():
        return json.loads(path.read_text())
    values = {f"{site.upper()}_SECRET_KEY": secrets.token_urlsafe(48) for site in ("accounts", *TENANTS)}
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(values))
    path.chmod(0o600)
    return values


@dataclass
class Stack:
    """Start with .start(), stop with .stop(); .env is the production environment every process shares."""

    folder: Path
    ports: Ports = field(default_factory=Ports)
    database_url: str = ""
    redis_url: str = ""
    workers: int = 2
    threads: int = 4
    seed_users: int = 60
    extra_env: dict[str, str] = field(default_factory=dict)
    processes: dict[str, subprocess.Popen] = field(default_factory=dict)
    targets: dict[str, str] = field(default_factory=dict)
    seed: dict = field(default_factory=dict)

    @property
    def accounts_url(self) -> str:
        return url(self.ports.accounts[0])

    @property
    def mail_folder(self) -> Path:
        return self.folder / "mail"

    @property
    def cert(self) -> Path:
        return self.folder / "tls" / "cert.pem"

    def base_env(self) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("GATEHOUSE_", "ACME_", "GLOBEX_"))}
        env.update(site_secrets(self.folder / "secrets.json"))
        env.update(
            GATEHOUSE_ENV="production",
            DATABASE_URL=self.database_url,
            REDIS_URL=self.redis_url,
            ACCOUNTS_URL=self.accounts_url,
            SMTP_HOST=HOST,
            SMTP_PORT=str(self.ports.smtp),
            SMTP_STARTTLS="0",
            MAIL_FROM="Gatehouse <no-reply@gatehouse.test>",
            # The sites call each other over HTTPS: trust the stack's own certificate.
            REQUESTS_CA_BUNDLE=str(self.cert),
            PYTHONPATH=str(ROOT),
            # The load test plays the proxy: each simulated user sends its own client address.
            TRUSTED_PROXY_HOPS="1",
        )
        env.update(self.extra_env)
        for slug in TENANTS:
            prefix = slug.upper()
            env[f"{prefix}_URL"] = url(self.ports.tenant(slug))
            env[f"{prefix}_ISSUER"] = self.accounts_url
            env[f"{prefix}_SILENT_SSO"] = "0"
            client = self.seed.get("clients", {}).get(slug)
            if client:
                env[f"{prefix}_CLIENT_ID"] = client["client_id"]
                env[f"{prefix}_CLIENT_SECRET"] = client["client_secret"]
        return env

    def start(self) -> None:
        self_signed_certificate(self.folder / "tls")
        self._start(
            "mailbox", [str(BIN / "python"), "-m", "operations.mailbox", str(self.mail_folder), str(self.ports.smtp)]
        )
        env = self.base_env()
        subprocess.run(
            [str(BIN / "flask"), "--app", "app", "db", "upgrade"], env=env, cwd=ROOT, check=True, capture_output=True
        )
        subprocess.run(
            [str(BIN / "flask"), "--app", 'app:tenant("acme")', "db", "upgrade"],
            env=env,
            cwd=ROOT,
            check=True,
            capture_output=True,
        )
        seeded = subprocess.run(
            [str(BIN / "python"), "-m", "operations.seed", "--users", str(self.seed_users)],
            env=env,
            cwd=ROOT,
            check=True,
            capture_output=True,
            text=True,
        )
        self.seed = json.loads(seeded.stdout)
        self.targets = {f"accounts-{n + 1}": "app:create_app()" for n in range(len(self.ports.accounts))}
        self.targets.update({slug: f'app:tenant("{slug}")' for slug in TENANTS})
        for name in self.targets:
            self.start_site(name)
        for name in self.targets:
            self.wait_ready(name)
        # Security events and back-channel logouts are delivered by an RQ worker over the stack's Redis.
        worker = [str(BIN / "flask"), "--app", "app", "events", "worker"]
        self._start("events-worker", worker, stderr=self.folder / "events-worker.log")

    def site_port(self, name: str) -> int:
        if name.startswith("accounts-"):
            return self.ports.accounts[int(name.split("-")[1]) - 1]
        return self.ports.tenant(name)

    def start_site(self, name: str) -> None:
        """Start one site's gunicorn (the sites are accounts-1, accounts-2, acme and globex)."""
        target, port = self.targets[name], self.site_port(name)
        log = self.folder / f"{name}.log"
        command = [
            str(BIN / "gunicorn"),
            "--workers",
            str(self.workers),
            "--threads",
            str(self.threads),
            "--bind",
            f"{HOST}:{port}",
            "--certfile",
            str(self.cert),
            "--keyfile",
            str(self.folder / "tls" / "key.pem"),
            "--graceful-timeout",
            "5",
            "--timeout",
            "30",
            "--error-logfile",
            str(log),
            # Idle connections stay open longer than a client (or load balancer) keeps them: the server
            # closing one just as the client reuses it drops that request (RemoteDisconnected).
            "--keep-alive",
            "75",
            target,
        ]
        self._start(name, command, stderr=log)

    def _start(self, name: str, command: list[str], stderr: Path | None = None) -> None:
        err = open(stderr, "ab") if stderr else subprocess.DEVNULL  # noqa: SIM115 (the child keeps it)
        self.processes[name] = subprocess.Popen(
            command,
            env=self.base_env(),
            cwd=ROOT,
            stdout=subprocess.DEVNULL,
            stderr=err,
            start_new_session=True,
            preexec_fn=die_with_parent,  # noqa: PLW1509 (only a prctl call, no locks taken)
        )

    def wait_ready(self, name: str) -> None:
        target = f"{url(self.site_port(name))}/readyz"
        wait_for(lambda: requests.get(target, verify=self.cert, timeout=2).status_code == 200, name)

    def stop_site(self, name: str) -> None:
        process = self.processes.pop(name, None)
        if process and process.poll() is None:
            os.killpg(process.pid, signal.SIGTERM)
            try:
                process.wait(15)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()

    def worker_pids(self, name: str) -> list[int]:
        master = self.processes[name].pid
        children = subprocess.run(["pgrep", "-P", str(master)], capture_output=True, text=True).stdout.split()
        return [int(p) for p in children]

    def stop(self) -> None:
        for name in list(self.processes):
            self.stop_site(name)


def main() -> None:
    parser = argparse.ArgumentParser(description="The three sites like production, until Ctrl+C (make prod).")
    parser.add_argument("--port-base", type=int, default=9200)
    args = parser.parse_args()
    stop_on_sigterm()
    database, redis_url = shared_services()
    stack = Stack(ROOT / "instance" / "prod", Ports(args.port_base), database, redis_url, seed_users=3)
    try:
        stack.start()
        print("\nGatehouse (production settings, self-signed TLS) is running:")
        for name in stack.targets:
            print(f"  {name:<12} {url(stack.site_port(name))}")
        print(f"  certificate  {stack.cert}   mail lands in {stack.mail_folder}")
        print(f"  sign in as   {stack.seed['users'][0]['email']} / {stack.seed['password']}")
        print("Press Ctrl+C to stop.\n", flush=True)
        signal.pause()
    except KeyboardInterrupt:
        pass
    finally:
        stack.stop()


if __name__ == "__main__":
    main()
