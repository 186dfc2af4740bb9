"""Cross-service suites: the whole stack, each service in its own processes, on real infrastructure.

PostgreSQL and RabbitMQ come from the environment (see common.testing); every run uses its own
databases and bus prefix. All AMQP traffic of the stack goes through a FaultProxy so tests can
take the broker away from the services without touching the shared broker. Emails go to an
aiosmtpd server in this process.
"""
from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import threading
from email import message_from_bytes, policy
from pathlib import Path
from urllib.parse import urlparse

import httpx
import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "scripts"))

from common.bus.topology import ConsumerTopology, events_exchange  # noqa: E402
from common.db import drop_database  # noqa: E402
from common.faultproxy import FaultProxy  # noqa: E402
from common.testing import (  # noqa: E402
    amqp_server_url, check_reachable, free_port, postgres_server_url, redis_server_url, unique_name, wait_for,
)
from stack import Stack, database_urls, stack_env  # noqa: E402

AGENT_EMAIL = "agent@example.com"
AGENT_PASSWORD = "agent-password-e2e-1"


class Mailbox:
    """Collects every email the stack sends."""

    def __init__(self):
        self.port = 0
        self.messages = []
        self._lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope):
        msg = message_from_bytes(envelope.content, policy=policy.default)
        with self._lock:
            self.messages.append(msg)
        return "250 Message accepted for delivery"

    def to(self, address: str, subject_contains: str = ""):
        with self._lock:
            return [m for m in self.messages
                    if address.lower() in str(m["To"]).lower() and subject_contains in str(m["Subject"])]

    @staticmethod
    def text(msg) -> str:
        part = msg.get_body(preferencelist=("plain", "html"))
        return part.get_content() if part is not None else ""

    @classmethod
    def link_token(cls, msg) -> str:
        match = re.search(r"[?&]token=([A-Za-z0-9_\-\.~%]+)", cls.text(msg))
        assert match, f"no link with a token in: {cls.text(msg)[:500]}"
        return match.group(1)


# The services that consume from the bus and the ones that publish (each declares its exchange).
CONSUMERS = ("identity", "tickets", "notifier")
PUBLISHERS = ("identity", "tickets", "notifier", "inbound")


def bus_names(prefix: str) -> tuple[list[str], list[str]]:
    """The queues and exchanges a stack with ``prefix`` declares, named as common.bus.topology names them."""
    consumers = [ConsumerTopology(name, (), prefix=prefix) for name in CONSUMERS]
    exchanges = [events_exchange(name, prefix).name for name in PUBLISHERS]
    queues = [name for c in consumers for name in (c.queue_name, c.dead_letter_name,
                                                   *(c.retry_name(i + 1) for i in range(len(c.retry_delays))))]
    unrouted = [f"{x}.unrouted" for x in exchanges]
    return queues + unrouted, exchanges + unrouted


def delete_bus_names(amqp: str, prefix: str) -> None:
    """Delete a run's queues and exchanges from the shared broker, as its databases are dropped."""
    from kombu import Connection

    queues, exchanges = bus_names(prefix)
    with Connection(amqp, connect_timeout=5) as conn:
        channel = conn.channel()
        for kind, name in [*(("queue", q) for q in queues), *(("exchange", x) for x in exchanges)]:
            try:
                getattr(channel, f"{kind}_delete")(name)
            except Exception:  # noqa: BLE001 - a name never declared closes the channel; go on
                channel = conn.channel()


def leftover_bus_names(amqp: str, prefix: str) -> list[str]:
    """Queues and exchanges named with ``prefix`` still on the broker.

    The broker's own list (rabbitmqctl) when the broker runs on this machine, so names no topology
    knows are counted too; otherwise a passive declare of every name the topology gives.
    """
    host = urlparse(amqp).hostname
    if host in ("127.0.0.1", "localhost") and shutil.which("rabbitmqctl"):
        names, listed = [], True
        for kind in ("queues", "exchanges"):
            out = subprocess.run(["rabbitmqctl", "-q", f"list_{kind}", "name"], capture_output=True, text=True,
                                 timeout=60)
            listed = listed and out.returncode == 0
            names += [f"{kind[:-1]} {line.strip()}" for line in out.stdout.splitlines()
                      if line.strip().startswith(prefix)]
        if listed:
            return names
    from kombu import Connection

    queues, exchanges = bus_names(prefix)
    left = []
    with Connection(amqp, connect_timeout=5) as conn:
        channel = conn.channel()
        for kind, name in [*(("queue", q) for q in queues), *(("exchange", x) for x in exchanges)]:
            try:
                if kind == "queue":
                    channel.queue_declare(queue=name, passive=True)
                else:
                    channel.exchange_declare(exchange=name, type="topic", passive=True)
                left.append(f"{kind} {name}")
            except Exception:  # noqa: BLE001 - not found closes the channel: the name is gone
                channel = conn.channel()
    return left


def clean_bus(amqp: str, prefix: str) -> None:
    """Delete what a run declared and fail the teardown if anything with its prefix is left."""
    delete_bus_names(amqp, prefix)
    left = leftover_bus_names(amqp, prefix)
    assert not left, f"{len(left)} queues/exchanges left on the broker after teardown: {left}"


@pytest.fixture(scope="session")
def mailbox():
    from aiosmtpd.controller import Controller

    box = Mailbox()
    box.port = free_port()
    controller = Controller(box, hostname="127.0.0.1", port=box.port)
    controller.start()
    yield box
    controller.stop()


@pytest.fixture(scope="session")
def broker_proxy():
    amqp = amqp_server_url()
    check_reachable(amqp, "rabbitmq")
    parsed = urlparse(amqp)
    proxy = FaultProxy(parsed.hostname, parsed.port or 5672)
    proxied = amqp.replace(f"{parsed.hostname}:{parsed.port or 5672}", f"127.0.0.1:{proxy.port}", 1)
    yield proxy, proxied
    proxy.close()


@pytest.fixture(scope="session")
def imap_server():
    """A private Dovecot on loopback whose INBOX the stack's IMAP poller takes mail from."""
    from common import imapserver

    with imapserver.running({"desk": "desk-imap-password", "spare": "spare-imap-password"}) as server:
        yield server


@pytest.fixture(scope="session")
def stack(mailbox, broker_proxy, imap_server, tmp_path_factory):
    pg = postgres_server_url()
    check_reachable(pg, "postgres")
    _proxy, amqp = broker_proxy
    ports = {"gateway": free_port(), "identity": free_port(), "tickets": free_port(), "notifier": free_port(),
             "lmtp": free_port()}
    db_prefix = unique_name("e2e") + "_"
    bus_prefix = unique_name("e2e") + "."
    work = tmp_path_factory.mktemp("stack")
    env = stack_env(
        dict(os.environ), pg_server=pg, amqp_url=amqp, bus_prefix=bus_prefix,
        smtp_url=f"smtp://127.0.0.1:{mailbox.port}", ports=ports, key_dir=work / "keys",
        db_prefix=db_prefix, redis_url=redis_server_url(),
    )
    # Every client of the suite comes from 127.0.0.1: the per-address allowance stands for many clients.
    env.update({"WEB_CONCURRENCY": "2", "PASSWORD_HASH_PROFILE": "fast", "IMAP_URL": imap_server.url("desk"),
                "IMAP_POLL_SECONDS": "2", "ADDRESS_RATE_LIMIT": "1000"})
    stack = Stack(env, ports, work / "logs")
    try:
        stack.start()
        stack.bootstrap(agent_email=AGENT_EMAIL, agent_password=AGENT_PASSWORD)
        yield stack
    except Exception:
        dump_logs(stack)
        raise
    finally:
        stack.stop()
        for url in database_urls(pg, db_prefix).values():
            drop_database(url)
        # Straight to the broker, not through the fault proxy a test may have left cut.
        clean_bus(amqp_server_url(), bus_prefix)


def dump_logs(stack: Stack) -> None:
    for log in sorted(stack.log_dir.glob("*.log")):
        print(f"----- {log.name} (last 40 lines)")
        print("\n".join(log.read_text(errors="replace").splitlines()[-40:]))


@pytest.fixture(scope="session")
def api(stack):
    with httpx.Client(base_url=stack.gateway_url, timeout=30) as client:
        yield client


def login(api: httpx.Client, email: str, password: str) -> dict:
    response = api.post("/api/identity/login", json={"email": email, "password": password})
    assert response.status_code == 200, response.text
    return {"Authorization": f"Bearer {response.json()['access_token']}"}


@pytest.fixture(scope="session")
def agent_headers(api):
    return login(api, AGENT_EMAIL, AGENT_PASSWORD)


def new_customer(api: httpx.Client, agent_headers: dict, mailbox: Mailbox, label: str = "customer",
                 password: str = "customer-password-123") -> tuple[str, dict]:
    """Invite, accept and log in a fresh internal customer; return (email, auth headers)."""
    import uuid

    email = f"{label}-{uuid.uuid4().hex[:8]}@example.com"
    response = api.post("/api/identity/invitations", json={"emails": [email]}, headers=agent_headers)
    assert response.status_code in (200, 201), response.text
    # Generous: on a loaded 2-core machine the invitation crosses four processes and the broker.
    token = Mailbox.link_token(wait_for(lambda: mailbox.to(email), timeout=45.0,
                                        what=f"invitation to {email}")[0])
    accepted = api.post("/api/identity/invitations/accept",
                        json={"token": token, "password": password, "displayName": label.title()})
    assert accepted.status_code in (200, 201), accepted.text
    return email, login(api, email, password)


@pytest.fixture(scope="session")
def world(stack, api, agent_headers, mailbox):
    """Desks AM and TV with their own agents, an admin, an organisation and customers related to its requests."""
    from world import build_world

    return build_world(stack, api, agent_headers, mailbox)
