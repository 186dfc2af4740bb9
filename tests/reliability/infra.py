"""The infrastructure the fault suite owns, so it may crash it: a PostgreSQL cluster, a RabbitMQ node,
an SMTP sink that can refuse, and an independent subscriber on the bus.

The machine's shared PostgreSQL and RabbitMQ are never touched: the cluster and the node get their
own ports, data directories and (for RabbitMQ) node name.
"""
from __future__ import annotations

import json
import os
import pwd
import shutil
import signal
import socket
import subprocess
import threading
import time
from collections import Counter
from email import message_from_bytes, policy
from pathlib import Path

PG_BIN = Path(os.environ.get("PG_BIN", "/usr/lib/postgresql/15/bin"))


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_port(port: int, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"{what} did not listen on {port} within {timeout}s")


def _as_user(user: str) -> list[str]:
    """Run as ``user`` when we are root (PostgreSQL refuses to run as root)."""
    if os.geteuid() != 0:
        return []
    return ["runuser", "-u", user, "--"]


def _chown(path: Path, user: str) -> None:
    if os.geteuid() == 0:
        entry = pwd.getpwnam(user)
        for p in [path, *path.rglob("*")]:
            os.chown(p, entry.pw_uid, entry.pw_gid)


class OwnPostgres:
    """A PostgreSQL cluster in ``root`` on its own port: started, crashed (``-m immediate``), restarted."""

    def __init__(self, root: Path):
        self.root = root
        self.data = root / "data"
        self.port = free_port()
        self.user = "postgres"

    @property
    def url(self) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/postgres"

    def _ctl(self, *args: str) -> None:
        subprocess.run([*_as_user(self.user), str(PG_BIN / "pg_ctl"), "-D", str(self.data), *args],
                       check=True, stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT, timeout=120)

    def init(self) -> "OwnPostgres":
        self.root.mkdir(parents=True, exist_ok=True)
        _chown(self.root, self.user)
        subprocess.run([*_as_user(self.user), str(PG_BIN / "initdb"), "-D", str(self.data), "-U", "postgres",
                        "--auth=trust", "-E", "UTF8"], check=True, stdout=subprocess.DEVNULL, timeout=120)
        self.start()
        return self

    def start(self) -> None:
        self._ctl("-l", str(self.root / "server.log"), "-w", "-t", "60", "-o",
                  f"-p {self.port} -k {self.root} -c listen_addresses=127.0.0.1 -c max_connections=300", "start")

    def crash(self) -> None:
        """Stop at once, as a crash would: no checkpoint, the next start runs crash recovery."""
        self._ctl("-m", "immediate", "stop")

    def stop(self) -> None:
        try:
            self._ctl("-m", "fast", "stop")
        except subprocess.CalledProcessError:
            pass


class OwnRabbit:
    """A RabbitMQ node of its own (node name, ports, mnesia and log folders): started, killed, restarted."""

    def __init__(self, root: Path):
        self.root = root
        self.port = free_port()
        self.dist_port = free_port()
        self.node = f"sdrel{os.getpid()}@localhost"
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"amqp://guest:guest@127.0.0.1:{self.port}//"

    def start(self) -> "OwnRabbit":
        self.root.mkdir(parents=True, exist_ok=True)
        (self.root / "enabled_plugins").write_text("[].\n")
        try:
            _chown(self.root, "rabbitmq")
        except KeyError:
            pass
        env = {**os.environ, "RABBITMQ_NODENAME": self.node, "RABBITMQ_NODE_PORT": str(self.port),
               "RABBITMQ_DIST_PORT": str(self.dist_port), "RABBITMQ_MNESIA_BASE": str(self.root / "mnesia"),
               "RABBITMQ_LOG_BASE": str(self.root / "log"), "RABBITMQ_PID_FILE": str(self.root / "pid"),
               "RABBITMQ_ENABLED_PLUGINS_FILE": str(self.root / "enabled_plugins"),
               "RABBITMQ_CONFIG_FILE": str(self.root / "rabbitmq"),
               "RABBITMQ_ADVANCED_CONFIG_FILE": str(self.root / "advanced.config")}
        log = open(self.root / "server.out", "ab")
        command, user = [shutil.which("rabbitmq-server") or "/usr/sbin/rabbitmq-server"], {}
        own = Path("/usr/lib/rabbitmq/bin/rabbitmq-server")
        if os.geteuid() == 0 and own.exists():
            # Debian's wrapper runs the node through `su -c`, which starts a session of its own: a
            # signal to our process group would then never reach the node, and a "crash" would leave
            # it serving. Started as its user directly, the node stays in the group we kill.
            command = [str(own)]
            user = {"user": "rabbitmq", "group": "rabbitmq", "cwd": "/var/lib/rabbitmq"}
            env.update(HOME="/var/lib/rabbitmq", USER="rabbitmq", LOGNAME="rabbitmq")
        if self._answers():
            raise RuntimeError(f"port {self.port} already answers: another node is still there")
        self.process = subprocess.Popen(command, env=env, stdout=log, stderr=subprocess.STDOUT,
                                        start_new_session=True, **user)
        wait_port(self.port, 90, "the test's RabbitMQ node")
        return self

    def _answers(self) -> bool:
        try:
            socket.create_connection(("127.0.0.1", self.port), timeout=0.5).close()
            return True
        except OSError:
            return False

    def _gone(self, seconds: float) -> bool:
        """Whether the node's port stops answering within ``seconds`` (once the VM is gone)."""
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            if not self._answers():
                return True
            time.sleep(0.2)
        return False

    def kill(self) -> None:
        """Kill the node (every process of its session) at once, as a crash would."""
        if self.process and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(30)
        if not self._gone(30):
            raise AssertionError("the test's RabbitMQ node still answers after SIGKILL to its process group")

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            try:
                os.killpg(self.process.pid, signal.SIGTERM)
                self.process.wait(30)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        if self.process and not self._gone(30):
            try:
                os.killpg(self.process.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass


class SmtpSink:
    """An aiosmtpd handler keeping every accepted message; it can refuse with 451, 550 or drop connections."""

    def __init__(self):
        self.lock = threading.Lock()
        self.messages: list = []
        self.down = False  # 451 to every recipient
        self.unknown: set[str] = set()  # 550 for these
        self.drop = False  # close the connection at DATA
        self.refusals = Counter()
        self.on_accept = None  # called once, before the next "250" to DATA

    def accept_hook(self):
        hook, self.on_accept = self.on_accept, None
        if hook is not None:
            hook()

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if self.down:
            self.refusals["451"] += 1
            return "451 4.3.0 mail system unavailable, try again later"
        if address.lower() in self.unknown:
            self.refusals["550"] += 1
            return "550 5.1.1 no such mailbox here"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        if self.drop:
            self.refusals["dropped"] += 1
            server.transport.abort()
            return "421 closing"
        msg = message_from_bytes(envelope.content, policy=policy.default)
        with self.lock:
            self.messages.append((msg, tuple(a.lower() for a in envelope.rcpt_tos)))
        self.accept_hook()
        return "250 accepted"

    def by_message_id(self) -> Counter:
        with self.lock:
            return Counter(str(m["Message-ID"]).strip() for m, _ in self.messages)


class Subscriber:
    """An independent AMQP client (pika) bound to every routing key of the services' exchanges."""

    def __init__(self, amqp_url: str, prefix: str, services=("tickets", "identity", "inbound")):
        self.amqp_url = amqp_url
        self.prefix = prefix
        self.services = services
        self.seen: Counter = Counter()
        self.events: dict[str, dict] = {}
        self.lock = threading.Lock()
        self.stopping = False
        self.queue = f"{prefix}independent-subscriber"
        self.thread = threading.Thread(target=self._run, name="subscriber", daemon=True)

    def start(self) -> "Subscriber":
        self.thread.start()
        return self

    def _run(self) -> None:
        import pika

        while not self.stopping:
            try:
                # pika reads the vhost "/" only percent-encoded.
                url = self.amqp_url[:-2] + "/%2F" if self.amqp_url.endswith("//") else self.amqp_url
                conn = pika.BlockingConnection(pika.URLParameters(url))
                ch = conn.channel()
                ch.queue_declare(self.queue, durable=True)
                for svc in self.services:
                    exchange = f"{self.prefix}{svc}.events"
                    ch.exchange_declare(f"{exchange}.unrouted", "fanout", durable=True)
                    ch.exchange_declare(exchange, "topic", durable=True,
                                        arguments={"alternate-exchange": f"{exchange}.unrouted"})
                    ch.queue_bind(self.queue, exchange, "#")
                self.ready = True
                for method, props, body in ch.consume(self.queue, inactivity_timeout=0.5):
                    if self.stopping:
                        break
                    if method is None:
                        continue
                    redelivered = method.redelivered
                    try:
                        event = json.loads(body)
                        event_id = event.get("id")
                    except ValueError:
                        event, event_id = None, None
                    with self.lock:
                        # A redelivery to this subscriber (its own ack lost) is no second publish.
                        if event_id and not (redelivered and self.seen[event_id]):
                            self.seen[event_id] += 1
                            self.events[event_id] = event
                    ch.basic_ack(method.delivery_tag)
                conn.close()
            except Exception:
                time.sleep(0.5)

    def stop(self) -> None:
        self.stopping = True
        self.thread.join(10)
