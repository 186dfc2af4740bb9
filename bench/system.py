"""The system under test: ``scripts/stack.py``'s Stack on throwaway databases and bus names, plus the reference.

Databases are ``bench_<run>_<service>`` on the machine's PostgreSQL and the bus names carry a
``bench_<run>.`` prefix, so a bench never meets another run, a test suite or ``make run-stack``;
``close()`` drops the databases and deletes the queues and exchanges it declared.
"""
from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import httpx
from sqlalchemy import create_engine
from sqlalchemy.engine import Engine, make_url

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "scripts"))

from common.db import drop_database, ensure_database, normalise_url  # noqa: E402
from common.testing import free_port, unique_name  # noqa: E402
from stack import AMQP_DEFAULT, PG_DEFAULT, REDIS_DEFAULT, Stack, database_urls, stack_env, terminate  # noqa: E402

from .cpu import HARNESS  # noqa: E402

from .sink import Sink  # noqa: E402

SERVICES = ("identity", "tickets", "notifier", "inbound")


class System:
    """Stack + SMTP sink + bare reference, started and stopped together."""

    def __init__(self, work: Path):
        self.work = work
        self.pg = os.environ.get("DATABASE_URL") or os.environ.get("TEST_DATABASE_URL") or PG_DEFAULT
        self.amqp = os.environ.get("AMQP_URL") or os.environ.get("TEST_AMQP_URL") or AMQP_DEFAULT
        self.redis = os.environ.get("REDIS_URL") or os.environ.get("TEST_REDIS_URL") or REDIS_DEFAULT
        self.run_id = unique_name("bench")
        self.db_prefix = f"{self.run_id}_"
        self.bus_prefix = f"{self.run_id}."
        self.sink = Sink()
        self.ports = {name: free_port() for name in ("gateway", "identity", "tickets", "notifier", "lmtp")}
        self.reference_port = free_port()
        self.urls = database_urls(self.pg, self.db_prefix)
        self.reference_url = make_url(normalise_url(self.pg)).set(
            database=f"{self.db_prefix}reference").render_as_string(hide_password=False)
        self.stack: Stack | None = None
        self.reference: subprocess.Popen | None = None
        self.engines: dict[str, Engine] = {}
        self.extra_notifiers: list[str] = []

    # -- start and stop -------------------------------------------------------------------------

    def start(self) -> "System":
        self.sink.start(free_port())
        env = stack_env(dict(os.environ), pg_server=self.pg, amqp_url=self.amqp, bus_prefix=self.bus_prefix,
                        smtp_url=f"smtp://127.0.0.1:{self.sink.port}", ports=self.ports,
                        key_dir=self.work / "keys", db_prefix=self.db_prefix, redis_url=self.redis)
        # The production gunicorn settings stand; only what a loopback load test needs is set: the
        # statement count header, and a client allowance for one address that stands for many clients.
        env.update({"SQL_STATEMENT_COUNT": "1", "ADDRESS_RATE_LIMIT": "1000000", "LOG_LEVEL": "WARNING"})
        env.pop("WEB_CONCURRENCY", None)
        self.stack = Stack(env, self.ports, self.work / "logs")
        self.stack.start()
        self.stack.load_demo()
        for svc in ("identity", "tickets", "notifier"):
            self.engines[svc] = create_engine(normalise_url(self.urls[svc]), pool_size=2,
                                              connect_args={"application_name": HARNESS})
        self._start_reference()
        return self

    def _start_reference(self) -> None:
        from .reference.app import prepare

        ensure_database(self.reference_url)
        prepare(normalise_url(self.reference_url))
        env = {**os.environ, "PORT": str(self.reference_port),
               "REFERENCE_DATABASE_URL": normalise_url(self.reference_url),
               "REFERENCE_READ_DATABASE_URL": normalise_url(self.urls["tickets"])}
        log = open(self.work / "logs" / "reference.log", "ab")
        self.reference = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "-c", str(ROOT / "bench" / "reference" / "gunicorn.conf.py"),
             "bench.reference.app:create_app()"], env=env, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT,
            start_new_session=True)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                httpx.get(f"{self.reference_base}/request?reporter=x", timeout=2).raise_for_status()
                return
            except httpx.HTTPError:
                if self.reference.poll() is not None:
                    break
                time.sleep(0.2)
        raise RuntimeError(f"the reference did not start; see {self.work / 'logs' / 'reference.log'}")

    def close(self) -> None:
        if self.stack:
            self.stack.stop()
        if self.reference:
            terminate(self.reference)
        for engine in self.engines.values():
            engine.dispose()
        self.sink.stop()
        for url in [*self.urls.values(), self.reference_url]:
            try:
                drop_database(url)
            except Exception as exc:  # noqa: BLE001 - cleanup goes on with the rest
                print(f"could not drop {url}: {exc}", file=sys.stderr)
        self._delete_bus_names()

    def _delete_bus_names(self) -> None:
        from kombu import Connection

        consumers = ("identity", "tickets", "notifier", "bench-relay-reference")
        queues = [f"{self.bus_prefix}{c}{suffix}" for c in consumers
                  for suffix in ("", ".dead", *(f".retry.{n}" for n in range(1, 8)))]
        exchanges = [f"{self.bus_prefix}{svc}.events" for svc in (*SERVICES, "bench")]
        queues += [f"{name}.unrouted" for name in exchanges]
        try:
            with Connection(self.amqp, connect_timeout=5) as conn:
                channel = conn.channel()
                for name in queues:
                    try:
                        channel.queue_delete(name)
                    except Exception:  # noqa: BLE001 - absent names close the channel
                        channel = conn.channel()
                for name in exchanges + [f"{name}.unrouted" for name in exchanges]:
                    try:
                        channel.exchange_delete(name)
                    except Exception:  # noqa: BLE001
                        channel = conn.channel()
        except Exception as exc:  # noqa: BLE001
            print(f"could not delete bus names under {self.bus_prefix}: {exc}", file=sys.stderr)

    # -- addresses and processes ----------------------------------------------------------------

    @property
    def gateway(self) -> str:
        return f"http://127.0.0.1:{self.ports['gateway']}"

    @property
    def tickets_api(self) -> str:
        return f"http://127.0.0.1:{self.ports['tickets']}"

    @property
    def reference_base(self) -> str:
        return f"http://127.0.0.1:{self.reference_port}"

    def stop_process(self, name: str) -> None:
        self.stack.stop_process(name)

    def start_process(self, name: str, module: str) -> None:
        self.stack._spawn(name, [sys.executable, "-m", module])

    def web_processes(self) -> dict[str, int]:
        """Every gunicorn process (arbiter and workers) of the stack and the reference: name -> pid."""
        found = {}
        roots = {name: p.pid for name, p in self.stack.processes.items()}
        if self.reference:
            roots["reference"] = self.reference.pid
        for name, pid in roots.items():
            found[name] = pid
            for n, child in enumerate(children(pid), 1):
                found[f"{name} worker {n}"] = child
        return found


def children(pid: int) -> list[int]:
    """Direct children of ``pid`` (from /proc)."""
    out = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == pid:
                out.append(int(entry.name))
    return sorted(out)


def rss_mb(pid: int) -> float | None:
    """Resident set size of one process in MB (VmRSS), None when it is gone."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return round(int(line.split()[1]) / 1024, 1)
    except OSError:
        return None
    return None
