"""The system under fault: the stack as separate processes on a PostgreSQL cluster and a RabbitMQ node
of the suite's own, an SMTP sink, and a proxy on every link a nemesis cuts, freezes or slows.

Links (each a ``proxy.Proxy``):

- ``pg``: every service's database connections; ``pg-relay`` for the tickets relay, ``pg-notifier``
  for the notifier (so they can be frozen alone: "killed between confirm and mark", "between send
  and ack");
- ``amqp``: every process's broker connections; ``amqp-relay`` for the tickets relay;
- ``smtp``: the notifier to the SMTP sink.

Time is compressed by settings: the notifier's SMTP back-off starts at 0.5 s instead of 60 s (120x)
and stops growing at 2 s, its lease on a send is 5 s instead of 600 s, the relays' retries start at
0.2 s. At 120x, an SMTP outage of 10 s stands for twenty minutes.
"""
from __future__ import annotations

import os
import sys
import uuid
from pathlib import Path

import httpx
import pytest

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "scripts"))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from common.testing import redis_server_url, unique_name, wait_for  # noqa: E402
from infra import OwnPostgres, OwnRabbit, SmtpSink, Subscriber, free_port  # noqa: E402
from ledger import Actors, Auditor  # noqa: E402
from proxy import Proxy  # noqa: E402
from stack import Stack, database_urls, stack_env  # noqa: E402

AGENT_EMAIL = "agent@example.com"
AGENT_PASSWORD = "agent-password-reliability-1"
CUSTOMER_PASSWORD = "customer-password-reliability-1"
COMPRESSED = {
    "NOTIFIER_SMTP_RETRY_BASE": "0.5", "NOTIFIER_SMTP_RETRY_MAX": "2", "NOTIFIER_SMTP_LEASE": "5",
    "NOTIFIER_SMTP_TIMEOUT": "5", "NOTIFIER_RETRY_DELAYS": "0.5,1,2",
    "TICKETS_RETRY_DELAYS": "0.5,1,2", "IDENTITY_RETRY_DELAYS": "0.5,1,2",
    "OUTBOX_RETRY_BASE": "0.2", "OUTBOX_RETRY_MAX": "2",
}
ROWS: list[dict] = []  # the table, one dict per fault, printed at the end of the run


def pytest_terminal_summary(terminalreporter):
    if not ROWS:
        return
    columns = ["fault", "requests", "failed", "500s", "lost", "duplicated", "recovery s", "bus again", "resent"]
    widths = [max(len(c), *(len(str(r[c])) for r in ROWS)) for c in columns]
    terminalreporter.write_sep("=", "fault matrix")
    line = lambda cells: "| " + " | ".join(str(c).ljust(w) for c, w in zip(cells, widths)) + " |"  # noqa: E731
    terminalreporter.write_line(line(columns))
    terminalreporter.write_line("|" + "|".join("-" * (w + 2) for w in widths) + "|")
    for row in ROWS:
        terminalreporter.write_line(line([row[c] for c in columns]))
    terminalreporter.write_line("bus again: events the bus delivered more than once (at least once; every "
                                "consumer dedupes by inbox). resent: emails sent again after a sender died "
                                "between the SMTP server's acceptance and its record (the one window, counted).")


class System:
    def __init__(self, root: Path):
        self.root = root
        self.pg = OwnPostgres(root / "pg")
        self.rabbit = OwnRabbit(root / "rabbit")
        self.sink = SmtpSink()
        self.proxies: dict[str, Proxy] = {}
        self.stack: Stack | None = None

    def start(self) -> "System":
        from aiosmtpd.controller import Controller

        self.pg.init()
        self.rabbit.start()
        self.smtp = Controller(self.sink, hostname="127.0.0.1", port=free_port())
        self.smtp.start()
        for name, port in (("pg", self.pg.port), ("pg-relay", self.pg.port), ("pg-notifier", self.pg.port),
                           ("amqp", self.rabbit.port), ("amqp-relay", self.rabbit.port), ("smtp", self.smtp.port)):
            self.proxies[name] = Proxy(port, name=name)
        self.prefix = unique_name("rel") + "."
        ports = {"gateway": free_port(), "identity": free_port(), "tickets": free_port(), "notifier": free_port(),
                 "lmtp": free_port()}
        env = stack_env(
            {k: v for k, v in os.environ.items() if not k.endswith("DATABASE_URL")},
            pg_server=self.pg_url("pg"), amqp_url=self.amqp_url("amqp"), bus_prefix=self.prefix,
            smtp_url=f"smtp://127.0.0.1:{self.proxies['smtp'].port}", ports=ports, key_dir=self.root / "keys",
            db_prefix="reliability_", redis_url=redis_server_url(),
        )
        env.update({"WEB_CONCURRENCY": "2", "PASSWORD_HASH_PROFILE": "fast", "ADDRESS_RATE_LIMIT": "100000",
                    "LOG_LEVEL": "INFO", **COMPRESSED})
        self.stack = Stack(env, ports, self.root / "logs")
        self.stack.start()
        # The tickets relay and the notifier on links of their own.
        self.respawn("tickets-relay", {"TICKETS_DATABASE_URL": database_urls(self.pg_url("pg-relay"),
                                                                              "reliability_")["tickets"],
                                       "AMQP_URL": self.amqp_url("amqp-relay")})
        self.respawn("notifier-worker", {"NOTIFIER_DATABASE_URL": database_urls(self.pg_url("pg-notifier"),
                                                                                 "reliability_")["notifier"]})
        self.stack.bootstrap(agent_email=AGENT_EMAIL, agent_password=AGENT_PASSWORD)
        self.subscriber = Subscriber(self.rabbit.url, self.prefix).start()
        wait_for(lambda: getattr(self.subscriber, "ready", False), what="the independent subscriber")
        return self

    def pg_url(self, proxy: str) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.proxies[proxy].port}/postgres"

    def amqp_url(self, proxy: str) -> str:
        return f"amqp://guest:guest@127.0.0.1:{self.proxies[proxy].port}//"

    @property
    def direct_db_urls(self) -> dict[str, str]:
        return database_urls(self.pg.url, "reliability_")

    # processes

    ARGS = {
        "identity-worker": ["-m", "identity.worker"], "tickets-worker": ["-m", "tickets.worker"],
        "notifier-worker": ["-m", "notifier.worker"], "identity-relay": ["-m", "identity.relay"],
        "tickets-relay": ["-m", "tickets.relay"], "inbound-relay": ["-m", "inbound.relay"],
        "inbound-lmtp": ["-m", "inbound.lmtp"],
    }
    APIS = {"identity-api": "identity", "tickets-api": "tickets", "notifier-api": "notifier", "gateway": "gateway"}
    extra_env: dict[str, dict] = {}

    def kill(self, name: str, sig: int) -> None:
        import signal as _signal

        proc = self.stack.processes[name]
        if proc.poll() is None:
            os.killpg(proc.pid, sig)
            try:
                proc.wait(60)
            except Exception:
                os.killpg(proc.pid, _signal.SIGKILL)
                proc.wait(10)

    def spawn(self, name: str) -> None:
        if name in self.APIS:
            svc = self.APIS[name]
            self.stack._gunicorn(name, svc, self.stack.ports["gateway" if svc == "gateway" else svc])
        else:
            self.stack._spawn(name, [sys.executable, *self.ARGS[name]], self.extra_env.get(name))

    def respawn(self, name: str, extra: dict | None = None) -> None:
        import signal as _signal

        if extra is not None:
            self.extra_env[name] = extra
        self.kill(name, _signal.SIGTERM)
        self.spawn(name)

    def ready(self) -> bool:
        try:
            return httpx.get(f"{self.stack.gateway_url}/readyz", timeout=3).status_code == 200
        except httpx.HTTPError:
            return False

    def stop(self) -> None:
        if getattr(self, "subscriber", None):
            self.subscriber.stop()
        if self.stack:
            self.stack.stop()
        for proxy in self.proxies.values():
            proxy.close()
        if getattr(self, "smtp", None):
            self.smtp.stop()
        self.rabbit.stop()
        self.pg.stop()


def dump_logs(system: System, lines: int = 30) -> None:
    for log in sorted((system.root / "logs").glob("*.log")):
        print(f"----- {log.name} (last {lines} lines)")
        print("\n".join(log.read_text(errors="replace").splitlines()[-lines:]))


@pytest.fixture(scope="session")
def system():
    import shutil
    import tempfile

    # Not under pytest's own temporary folder: that one is private to root, and the cluster and the
    # node run as their own users (postgres, rabbitmq).
    root = Path(tempfile.mkdtemp(prefix="servicedesk-reliability-"))
    os.chmod(root, 0o755)
    system = System(root)
    try:
        system.start()
        yield system
    except Exception:
        dump_logs(system)
        raise
    finally:
        system.stop()
        if os.environ.get("KEEP_RELIABILITY_FILES") != "1":
            shutil.rmtree(root, ignore_errors=True)


@pytest.fixture(scope="session")
def actors(system) -> Actors:
    gateway = system.stack.gateway_url
    with httpx.Client(base_url=gateway, timeout=30) as http:
        def login(email, password):
            answer = http.post("/api/identity/login", json={"email": email, "password": password})
            return {"Authorization": f"Bearer {answer.json()['access_token']}"} if answer.status_code == 200 else None

        agent = wait_for(lambda: login(AGENT_EMAIL, AGENT_PASSWORD), what="the agent's login")
        customers = []
        for i in range(4):
            email = f"rel-{i}-{uuid.uuid4().hex[:6]}@example.com"
            import subprocess
            subprocess.run([sys.executable, "-m", "identity.cli", "create-user", "--email", email, "--password",
                            CUSTOMER_PASSWORD, "--role", "customer", "--name", f"Customer {i}"],
                           env=system.stack.env, cwd=ROOT, check=True, stdout=subprocess.DEVNULL)
            headers = login(email, CUSTOMER_PASSWORD)
            account = http.get("/api/identity/me", headers=headers).json()["accountId"]
            customers.append((email, account, headers))
        desks = wait_for(lambda: [d for d in http.get("/rest/servicedeskapi/servicedesk", headers=agent)
                                  .json().get("values", []) if d.get("projectKey") == "AM"], what="desk AM")
        desk_id = str(desks[0]["id"])
        types = http.get(f"/rest/servicedeskapi/servicedesk/{desk_id}/requesttype", headers=agent).json()["values"]
        request_type = next(t for t in types if t["name"] == "Question")
        actors = Actors(gateway, AGENT_EMAIL, agent, customers, desk_id, str(request_type["id"]))
        # Each customer's account must have reached the tickets replica before the rows start.
        for email, _, headers in customers:
            body = {"serviceDeskId": desk_id, "requestTypeId": actors.request_type_id,
                    "requestFieldValues": {"summary": "warm-up", "organizations": []}}
            wait_for(lambda: http.post("/rest/servicedeskapi/request", json=body, headers=headers).status_code == 201,
                     what=f"{email} to raise a request")
        return actors


@pytest.fixture(scope="session")
def auditor(system, actors):
    auditor = Auditor(system.direct_db_urls, system.subscriber, system.sink, actors)
    yield auditor
    auditor.dispose()
