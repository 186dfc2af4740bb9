"""Integration fixtures: PostgreSQL (throwaway database), RabbitMQ (unique BUS_PREFIX), an aiosmtpd server."""
from __future__ import annotations

import threading

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.handlers import Message
from kombu import Connection, Producer
from sqlalchemy import create_engine, text

from common.bus.topology import events_exchange
from common.db import normalise_url
from common.events import CONTENT_TYPE, CloudEvent
from common.testing import (  # noqa: F401  (wait_for is imported by the test modules from here)
    amqp_server_url, check_reachable, free_port, postgres_server_url, throwaway_database, unique_name, wait_for,
)
from notifier.cli import migrate
from notifier.settings import Settings
from notifier.worker import build_worker


class SmtpSink(Message):
    """Keeps every message the SMTP server accepts."""

    def __init__(self):
        super().__init__()
        self.lock = threading.Lock()
        self.messages = []

    def handle_message(self, message):
        with self.lock:
            self.messages.append(message)

    def to(self, address: str):
        with self.lock:
            return [m for m in self.messages if m["To"] and address in m["To"]]


@pytest.fixture(scope="session")
def database_url():
    server = postgres_server_url()
    check_reachable(server, "postgres")
    with throwaway_database(server, "notifier") as url:
        migrate(Settings(database_url=url))
        yield url


@pytest.fixture(scope="session")
def amqp_url():
    url = amqp_server_url()
    check_reachable(url, "amqp")
    return url


@pytest.fixture(scope="session")
def smtp_server():
    sink = SmtpSink()
    controller = Controller(sink, hostname="127.0.0.1", port=free_port())
    controller.start()
    yield controller
    controller.stop()


@pytest.fixture
def mailbox(smtp_server):
    sink = smtp_server.handler
    with sink.lock:
        sink.messages.clear()
    return sink


@pytest.fixture(autouse=True)
def clean(database_url):
    engine = create_engine(normalise_url(database_url))
    with engine.begin() as conn:
        conn.execute(text("TRUNCATE inbox, accounts, sent_mail"))
    engine.dispose()


@pytest.fixture
def settings(database_url, amqp_url, smtp_server) -> Settings:
    return Settings(
        database_url=database_url, amqp_url=amqp_url, bus_prefix=unique_name("bus") + ".",
        smtp_url=f"smtp://127.0.0.1:{smtp_server.port}", mail_from="Service Desk <support@desk.test>",
        public_url="http://desk.test", smtp_timeout=5, retry_delays=(0.2, 0.2),
        smtp_retry_base=0.1, smtp_retry_max=0.5, smtp_lease=2,
    )


class Bus:
    """Publishes like the relays do, and inspects the notifier's queues."""

    def __init__(self, settings: Settings, worker):
        self.settings = settings
        self.worker = worker
        self.conn = Connection(settings.amqp_url, heartbeat=0, transport_options={"confirm_publish": True})
        self.channel = self.conn.channel()
        self.producer = Producer(self.channel)
        self.topology = worker.topology
        # Declared here too (idempotent) so nothing published before the worker is up is unrouted.
        self.topology.declare(self.channel)

    def publish(self, service: str, event: CloudEvent | None = None, body: bytes | None = None,
                routing_key: str | None = None, content_type: str = CONTENT_TYPE):
        exchange = events_exchange(service, self.settings.bus_prefix).name
        self.producer.publish(
            body if body is not None else event.to_json().encode(),
            exchange=exchange, routing_key=routing_key or event.routing_key, delivery_mode=2,
            content_type=content_type, content_encoding="utf-8", message_id=event.id if event else None,
        )

    def count(self, queue_name: str) -> int:
        return self.channel.queue_declare(queue=queue_name, passive=True).message_count

    def cleanup(self):
        names = [self.topology.queue_name, self.topology.dead_letter_name]
        names += [self.topology.retry_name(i + 1) for i in range(len(self.topology.retry_delays))]
        for service in ("identity", "tickets"):
            exchange = events_exchange(service, self.settings.bus_prefix).name
            names.append(f"{exchange}.unrouted")
            self.channel.exchange_delete(exchange)
            self.channel.exchange_delete(f"{exchange}.unrouted")
        for name in names:
            self.channel.queue_delete(name)
        self.conn.release()


def start_worker(settings: Settings):
    """Start a notifier worker in a thread; return (bus, stop)."""
    worker = build_worker(settings)
    bus = Bus(settings, worker)
    thread = threading.Thread(target=worker.run, name="notifier-worker", daemon=True)
    thread.start()
    wait_for(lambda: bus.channel.queue_declare(queue=worker.topology.queue_name, passive=True).consumer_count > 0,
             what="the worker to consume")

    def stop():
        worker.should_stop = True
        thread.join(timeout=10)
        bus.cleanup()
        worker.session_factory.kw["bind"].dispose()

    return bus, stop


@pytest.fixture
def running_with():
    """Start workers with given settings; all are stopped and their queues deleted after the test."""
    stops = []

    def start(settings: Settings) -> Bus:
        bus, stop = start_worker(settings)
        stops.append(stop)
        return bus

    yield start
    for stop in stops:
        stop()


@pytest.fixture
def running(settings, running_with):
    """A notifier worker consuming in a thread, and a Bus to feed it."""
    return running_with(settings)
