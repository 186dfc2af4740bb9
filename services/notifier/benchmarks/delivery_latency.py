"""Delivery latency of the notifier: from publishing a ticket event to the SMTP server accepting its email.

Runs against real infrastructure: a throwaway PostgreSQL database, RabbitMQ under a unique ``BUS_PREFIX``
(deleted afterwards), a notifier worker in a thread and an aiosmtpd server in this process::

    DATABASE_URL=postgresql://postgres@127.0.0.1:5432/postgres AMQP_URL=amqp://guest:guest@127.0.0.1:5672// \\
        python services/notifier/benchmarks/delivery_latency.py -n 500 [--interval 0.01]

``--interval 0`` publishes all events at once (latency then includes queueing behind earlier events);
a positive interval paces them, which measures the latency of one event on an idle worker.
"""
from __future__ import annotations

import argparse
import logging
import os
import socket
import statistics
import sys
import threading
import time
import uuid
from email.parser import BytesHeaderParser

from aiosmtpd.controller import Controller
from kombu import Connection, Producer

from common.bus.topology import events_exchange
from common.events import CONTENT_TYPE, CloudEvent, event_type
from common.testing import throwaway_database, unique_name
from notifier.cli import migrate
from notifier.settings import Settings
from notifier.worker import build_worker


class Sink:
    """An SMTP handler noting when each message is accepted, keyed by the event id in its Message-ID."""

    def __init__(self):
        self.accepted: dict[str, float] = {}
        self.lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope):
        now = time.perf_counter()
        headers = BytesHeaderParser().parsebytes(envelope.original_content or envelope.content)
        event_id = (headers["Message-ID"] or "<>").strip("<>").split(".", 1)[0]
        with self.lock:
            self.accepted.setdefault(event_id, now)
        return "250 OK"


def percentile(values: list[float], pct: float) -> float:
    """Nearest-rank percentile of ``values`` (sorted or not)."""
    ordered = sorted(values)
    rank = max(1, min(len(ordered), round(pct / 100 * len(ordered) + 0.5)))
    return ordered[rank - 1]


def ticket_event(customer_id: str, agent_id: str, n: int) -> CloudEvent:
    # A short event id without dots, so the Message-ID's local part is the id itself.
    return CloudEvent(
        id=uuid.uuid4().hex, type=event_type("ticket.status_changed"), source="/servicedesk/benchmark",
        subject=f"AM-{n}", data={
            "ticketId": str(n), "key": f"AM-{n}", "deskId": "1", "deskKey": "AM", "deskName": "Audio Matching",
            "requestTypeId": "1", "summary": f"Benchmark request {n}", "status": "waiting_for_customer",
            "reporterId": customer_id, "actorId": agent_id, "fromStatus": "in_progress",
            "toStatus": "waiting_for_customer", "cause": "transition",
            "audience": {"customers": [customer_id], "agents": []},
        })


def account_event(account_id: str, email: str, role: str) -> CloudEvent:
    return CloudEvent(type=event_type("account.created"), source="/servicedesk/benchmark", subject=account_id,
                      data={"accountId": account_id, "email": email, "displayName": None, "language": "en",
                            "role": role, "active": True})


def run(count: int, interval: float, timeout: float, database_url: str, amqp_url: str) -> dict:
    """Publish ``count`` events and return latency figures in milliseconds."""
    sink = Sink()
    port = _free_port()
    controller = Controller(sink, hostname="127.0.0.1", port=port)
    controller.start()
    settings = Settings(database_url=database_url, amqp_url=amqp_url, bus_prefix=unique_name("bench") + ".",
                        smtp_url=f"smtp://127.0.0.1:{port}", public_url="http://desk.test", log_json=False)
    migrate(settings)
    worker = build_worker(settings)
    conn = Connection(amqp_url, heartbeat=0, transport_options={"confirm_publish": True})
    channel = conn.channel()
    worker.topology.declare(channel)
    producer = Producer(channel)
    thread = threading.Thread(target=worker.run, name="notifier-worker", daemon=True)
    thread.start()

    def publish(service: str, event: CloudEvent) -> None:
        producer.publish(event.to_json().encode(), exchange=events_exchange(service, settings.bus_prefix).name,
                         routing_key=event.routing_key, delivery_mode=2, content_type=CONTENT_TYPE,
                         content_encoding="utf-8", message_id=event.id)

    try:
        customer, agent = str(uuid.uuid4()), str(uuid.uuid4())
        publish("identity", account_event(customer, "reader@example.com", "customer"))
        publish("identity", account_event(agent, "agent@example.com", "agent"))
        warm = ticket_event(customer, agent, count + 1)
        publish("tickets", warm)  # also waits for the replica and the first SMTP connection
        _wait(lambda: warm.id in sink.accepted, timeout, "the warm-up email")

        sent: dict[str, float] = {}
        started = time.perf_counter()
        for n in range(1, count + 1):
            event = ticket_event(customer, agent, n)
            sent[event.id] = time.perf_counter()
            publish("tickets", event)
            if interval:
                time.sleep(interval)
        _wait(lambda: all(i in sink.accepted for i in sent), timeout, f"{count} emails")
        elapsed = time.perf_counter() - started
        latencies = [(sink.accepted[i] - t) * 1000 for i, t in sent.items()]
    finally:
        worker.should_stop = True
        thread.join(timeout=10)
        _cleanup(channel, worker.topology, settings.bus_prefix)
        conn.release()
        worker.session_factory.kw["bind"].dispose()
        controller.stop()
    return {
        "count": count, "interval_ms": interval * 1000, "throughput_per_s": count / elapsed,
        "p50_ms": percentile(latencies, 50), "p95_ms": percentile(latencies, 95),
        "p99_ms": percentile(latencies, 99), "max_ms": max(latencies), "mean_ms": statistics.fmean(latencies),
    }


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _wait(predicate, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise TimeoutError(f"timed out after {timeout}s waiting for {what}")
        time.sleep(0.01)


def _cleanup(channel, topology, prefix: str) -> None:
    names = [topology.queue_name, topology.dead_letter_name]
    names += [topology.retry_name(i + 1) for i in range(len(topology.retry_delays))]
    for service in ("identity", "tickets"):
        exchange = events_exchange(service, prefix).name
        names.append(f"{exchange}.unrouted")
        channel.exchange_delete(exchange)
        channel.exchange_delete(f"{exchange}.unrouted")
    for name in names:
        channel.queue_delete(name)


def main(argv: list[str] | None = None) -> int:
    """Parse arguments, run the benchmark in a throwaway database, print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", "--count", type=int, default=200, help="events to publish (default 200)")
    parser.add_argument("--interval", type=float, default=0.0, help="seconds between publishes (default 0)")
    parser.add_argument("--timeout", type=float, default=120.0, help="seconds to wait for all emails")
    parser.add_argument("--database-url", default=os.environ.get("DATABASE_URL"),
                        help="PostgreSQL server URL (a throwaway database is created on it)")
    parser.add_argument("--amqp-url", default=os.environ.get("AMQP_URL", "amqp://guest:guest@127.0.0.1:5672//"))
    args = parser.parse_args(argv)
    if not args.database_url:
        parser.error("give --database-url or set DATABASE_URL (a PostgreSQL server URL)")
    if args.count < 1:
        parser.error("--count must be at least 1")
    logging.basicConfig(level=logging.WARNING)
    with throwaway_database(args.database_url, "notifier_bench") as url:
        figures = run(args.count, args.interval, args.timeout, url, args.amqp_url)
    print(f"events: {figures['count']}  interval: {figures['interval_ms']:.1f} ms  "
          f"throughput: {figures['throughput_per_s']:.1f} emails/s")
    print(f"publish -> SMTP accepted: p50 {figures['p50_ms']:.1f} ms  p95 {figures['p95_ms']:.1f} ms  "
          f"p99 {figures['p99_ms']:.1f} ms  max {figures['max_ms']:.1f} ms  mean {figures['mean_ms']:.1f} ms")
    return 0


if __name__ == "__main__":
    sys.exit(main())
