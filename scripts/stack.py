"""Run each service as its own processes: gunicorn for HTTP, relays and workers on their own.

``python scripts/stack.py`` (``make run-stack``) uses PostgreSQL and RabbitMQ given by URL (defaults:
the local ones) and one database per service. The end-to-end tests start the same stack with
throwaway databases and a unique bus prefix through ``Stack``.
"""
from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx
from sqlalchemy.engine import make_url

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "scripts"))

from common.db import normalise_url  # noqa: E402
from devkeys import ensure_keys  # noqa: E402

PG_DEFAULT = "postgresql://postgres@127.0.0.1:5432/postgres"
AMQP_DEFAULT = "amqp://guest:guest@127.0.0.1:5672//"
# Identity shares its rate-limit counters between its workers there (it refuses several without it).
REDIS_DEFAULT = "redis://127.0.0.1:6379/0"


def database_urls(server_url: str, prefix: str = "servicedesk_") -> dict[str, str]:
    """One database per service on the given PostgreSQL server."""
    base = make_url(normalise_url(server_url))
    return {svc: base.set(database=f"{prefix}{svc}").render_as_string(hide_password=False)
            for svc in ("identity", "tickets", "notifier", "inbound")}


@dataclass
class Stack:
    env: dict[str, str]
    ports: dict[str, int]
    log_dir: Path
    processes: dict[str, subprocess.Popen] = field(default_factory=dict)
    commands: dict[str, list[str]] = field(default_factory=dict)

    @property
    def gateway_url(self) -> str:
        return f"http://127.0.0.1:{self.ports['gateway']}"

    def _spawn(self, name: str, args: list[str], extra: dict[str, str] | None = None) -> None:
        env = {**self.env, **(extra or {})}
        log = open(self.log_dir / f"{name}.log", "ab")
        self.commands[name] = args
        self.processes[name] = subprocess.Popen(args, env=env, stdout=log, stderr=subprocess.STDOUT,
                                                cwd=ROOT, start_new_session=True)

    def _gunicorn(self, name: str, svc: str, port: int) -> None:
        # The service's own gunicorn settings (log format, timeouts), bound to loopback here.
        conf = ROOT / "services" / svc / "gunicorn.conf.py"
        config = ["-c", str(conf)] if conf.exists() else ["--access-logfile", "-", "--worker-tmp-dir", "/dev/shm"]
        self._spawn(name, [sys.executable, "-m", "gunicorn", *config, "--bind", f"127.0.0.1:{port}",
                           "--workers", self.env.get("WEB_CONCURRENCY", "2"), f"{svc}.app:create_app()"])

    def add_api(self, name: str, svc: str, port: int) -> None:
        """One more gunicorn of ``svc`` with the same settings, on ``port``; returns once it is ready."""
        self._gunicorn(name, svc, port)
        self.ports[name] = port
        self.wait_ready()

    def add_process(self, name: str, like: str, extra: dict[str, str] | None = None) -> None:
        """Start ``name`` running the command of ``like`` (a relay or worker) with ``extra`` environment."""
        self._spawn(name, self.commands[like], extra)

    def stop_process(self, name: str) -> None:
        """Stop one process of the stack (SIGTERM, then SIGKILL) and forget it."""
        self.ports.pop(name, None)
        terminate(self.processes.pop(name))

    def migrate(self) -> None:
        for svc in ("identity", "tickets", "notifier", "inbound"):
            subprocess.run([sys.executable, "-m", f"{svc}.cli", "migrate"], env=self.env, cwd=ROOT, check=True)

    def start(self) -> "Stack":
        self.log_dir.mkdir(parents=True, exist_ok=True)
        self.migrate()
        # Consumers first: their queues must exist before the relays publish.
        self._spawn("identity-worker", [sys.executable, "-m", "identity.worker"])
        self._spawn("tickets-worker", [sys.executable, "-m", "tickets.worker"])
        self._spawn("notifier-worker", [sys.executable, "-m", "notifier.worker"])
        self._gunicorn("identity-api", "identity", self.ports["identity"])
        self._gunicorn("tickets-api", "tickets", self.ports["tickets"])
        self._gunicorn("notifier-api", "notifier", self.ports["notifier"])
        self._gunicorn("gateway", "gateway", self.ports["gateway"])
        self.wait_ready()
        self._spawn("identity-relay", [sys.executable, "-m", "identity.relay"])
        self._spawn("tickets-relay", [sys.executable, "-m", "tickets.relay"])
        self.start_inbound()
        return self

    def start_inbound(self) -> None:
        """The email channel: its relay, the LMTP receiver, the folder and (with IMAP_URL) the IMAP poller."""
        self._spawn("inbound-relay", [sys.executable, "-m", "inbound.relay"])
        self._spawn("inbound-lmtp", [sys.executable, "-m", "inbound.lmtp"])
        if self.env.get("MAIL_IN_DIR"):
            self._spawn("inbound-folder", [sys.executable, "-m", "inbound.folder"])
        if self.env.get("IMAP_URL"):
            self._spawn("inbound-imap", [sys.executable, "-m", "inbound.imap"])
        host, port = self.env["LMTP_LISTEN"].rsplit(":", 1)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                socket.create_connection((host, int(port)), timeout=1).close()
                return
            except OSError:
                if self.processes["inbound-lmtp"].poll() is not None:
                    break
                time.sleep(0.2)
        raise RuntimeError(f"the LMTP receiver did not start; see {self.log_dir}/inbound-lmtp.log")

    def bootstrap(self, agent_email: str, agent_password: str) -> None:
        """First start of an empty system: one agent account and the three product-line desks."""
        subprocess.run([sys.executable, "-m", "identity.cli", "create-user", "--email", agent_email,
                        "--password", agent_password, "--role", "agent", "--name", "Support Agent"],
                       env=self.env, cwd=ROOT, check=True)
        subprocess.run([sys.executable, "-m", "tickets.cli", "demo"], env=self.env, cwd=ROOT, check=True)

    def load_demo(self) -> None:
        """The demo accounts, organisations and desks of ``make run`` (only when asked for)."""
        for svc in ("identity", "tickets"):
            subprocess.run([sys.executable, "-m", f"{svc}.cli", "load-demo" if svc == "identity" else "demo"],
                           env=self.env, cwd=ROOT, check=True)

    def wait_ready(self, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        pending = {name: port for name, port in self.ports.items() if name != "lmtp"}  # LMTP is no HTTP
        while pending and time.monotonic() < deadline:
            for name, port in list(pending.items()):
                try:
                    if httpx.get(f"http://127.0.0.1:{port}/readyz", timeout=2).status_code == 200:
                        del pending[name]
                except httpx.HTTPError:
                    pass
            for name, proc in self.processes.items():
                if proc.poll() is not None:
                    raise RuntimeError(f"{name} exited with {proc.returncode}; see {self.log_dir}/{name}.log")
            time.sleep(0.2)
        if pending:
            raise RuntimeError(f"not ready after {timeout}s: {sorted(pending)}; logs in {self.log_dir}")

    def stop(self) -> None:
        for proc in self.processes.values():
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGTERM)
        deadline = time.monotonic() + 15
        for proc in self.processes.values():
            try:
                proc.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)


def terminate(proc: subprocess.Popen, sig: int = signal.SIGTERM, timeout: float = 15) -> None:
    """Stop a process started in a session of its own, with its children: ``sig``, then SIGKILL."""
    if proc.poll() is None:
        os.killpg(proc.pid, sig)
        try:
            proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()


def reply_secret(key_dir: Path) -> str:
    """The secret reply tags are signed with (``REPLY_TOKEN_SECRET``), made once per key folder."""
    path = key_dir / "reply-token-secret"
    if not path.exists():
        key_dir.mkdir(parents=True, exist_ok=True)
        path.write_text(os.urandom(32).hex())
        path.chmod(0o600)
    return path.read_text().strip()


def stack_env(base: dict[str, str], *, pg_server: str, amqp_url: str, bus_prefix: str, smtp_url: str,
              ports: dict[str, int], key_dir: Path, db_prefix: str = "servicedesk_",
              redis_url: str = REDIS_DEFAULT) -> dict[str, str]:
    """Environment for every process of the stack."""
    private, public = ensure_keys(key_dir)
    urls = database_urls(pg_server, db_prefix)
    public_url = f"http://127.0.0.1:{ports['gateway']}"
    return {
        **base,
        "IDENTITY_DATABASE_URL": urls["identity"],
        "TICKETS_DATABASE_URL": urls["tickets"],
        "NOTIFIER_DATABASE_URL": urls["notifier"],
        "INBOUND_DATABASE_URL": urls["inbound"],
        "REPLY_TOKEN_SECRET": base.get("REPLY_TOKEN_SECRET") or reply_secret(key_dir),
        "REPLY_ADDRESS": base.get("REPLY_ADDRESS", "support@support.example.com"),
        "LMTP_LISTEN": base.get("LMTP_LISTEN", f"127.0.0.1:{ports['lmtp']}"),
        "AMQP_URL": amqp_url,
        "REDIS_URL": redis_url,
        "BUS_PREFIX": bus_prefix,
        "SMTP_URL": smtp_url,
        "PUBLIC_URL": base.get("PUBLIC_URL", public_url),
        "JWT_PRIVATE_KEY_FILE": str(private),
        "JWT_PUBLIC_KEY_FILE": str(public),
        "IDENTITY_URL": f"http://127.0.0.1:{ports['identity']}",
        "TICKETS_URL": f"http://127.0.0.1:{ports['tickets']}",
        "SECRET_KEY": base.get("SECRET_KEY") or os.urandom(32).hex(),
        "PORT": str(ports["gateway"]),
        "LOG_JSON": base.get("LOG_JSON", "true"),
    }


def main() -> None:
    port = int(os.environ.get("PORT", "8080"))
    ports = {"gateway": port, "identity": port + 21, "tickets": port + 22, "notifier": port + 23}
    os.environ.setdefault("MAIL_IN_DIR", str(ROOT / "var" / "mail-in"))
    var = ROOT / "var"
    env = stack_env(
        dict(os.environ),
        pg_server=os.environ.get("DATABASE_URL", PG_DEFAULT),
        amqp_url=os.environ.get("AMQP_URL", AMQP_DEFAULT),
        redis_url=os.environ.get("REDIS_URL", REDIS_DEFAULT),
        bus_prefix=os.environ.get("BUS_PREFIX", ""),
        smtp_url=os.environ.get("SMTP_URL", str(var / "mail")),
        ports={**ports, "lmtp": port + 24},
        key_dir=var / "keys",
    )
    stack = Stack(env, ports, var / "log")
    signal.signal(signal.SIGTERM, lambda *_: (stack.stop(), sys.exit(0)))
    try:
        stack.start()
        if os.environ.get("LOAD_DEMO", "").lower() in ("1", "true", "yes"):
            stack.load_demo()
        print(f"Service desk (stack) at {stack.gateway_url}  logs: {stack.log_dir}", flush=True)
        while all(p.poll() is None for p in stack.processes.values()):
            time.sleep(1)
        dead = [n for n, p in stack.processes.items() if p.poll() is not None]
        print(f"stopping: {', '.join(dead)} exited; see {stack.log_dir}", flush=True)
    except KeyboardInterrupt:
        pass
    finally:
        stack.stop()


if __name__ == "__main__":
    main()
