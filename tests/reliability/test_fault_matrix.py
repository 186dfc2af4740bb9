"""The fault matrix: one row per nemesis, each under the same workload, audited afterwards.

A row runs the workload (creations, agent replies, resolutions through the gateway) while its
nemesis strikes two seconds in and heals after its hold, then waits until everything the ledger and
the outbox call for has arrived (the recovery time), and fails on any 500, any loss, or a duplicate
email beyond the notifier's counted window. The table is printed at the end of the run.
"""
from __future__ import annotations

import json
import signal
import threading
import time
from dataclasses import dataclass
from typing import Callable

import httpx
import pytest
from kombu import Connection, Producer

from conftest import ROWS, dump_logs
from ledger import Ledger, run_workload

ITERATIONS = 36  # per row: 36 creations, 24 agent replies, 12 resolutions (about 72 requests)
DURATION = 10.0  # seconds the workload is spread over
STRIKE = 2.0  # seconds into the workload the nemesis strikes
CONVERGE = 120.0  # seconds allowed for everything to arrive after the heal


@dataclass
class Nemesis:
    name: str
    strike: Callable
    heal: Callable
    hold: float = 5.0
    check_during: Callable | None = None  # called while the fault holds


def run_row(system, actors, auditor, nemesis: Nemesis) -> dict:
    system.row_expects = {}
    marks = auditor.mark()
    ledger = Ledger()
    workload = threading.Thread(target=run_workload, args=(actors, ledger, ITERATIONS, DURATION))
    workload.start()
    time.sleep(STRIKE)
    nemesis.strike(system)
    try:
        if nemesis.check_during:
            nemesis.check_during(system)
        time.sleep(nemesis.hold)
    finally:
        nemesis.heal(system)
    workload.join()
    healed = time.monotonic()  # recovery counts from the heal and the last request, whichever is later
    deadline = time.monotonic() + CONVERGE
    audit = auditor.audit(ledger, marks)
    while not audit.converged and time.monotonic() < deadline:
        time.sleep(0.5)
        audit = auditor.audit(ledger, marks)
    recovery = time.monotonic() - healed
    while not system.ready() and time.monotonic() < deadline:
        time.sleep(0.5)
    time.sleep(1.0)  # late duplicates, if any, arrive
    audit = auditor.audit(ledger, marks)
    row = {"fault": nemesis.name, "requests": audit.requests, "failed": audit.failed, "500s": audit.server_errors,
           "lost": audit.lost, "duplicated": audit.duplicated, "recovery s": f"{recovery:.1f}",
           "bus again": audit.bus_again, "resent": audit.resent}
    ROWS.append(row)
    if audit.missing or audit.server_errors or audit.duplicated:
        dump_logs(system, 20)
    assert audit.server_errors == 0, f"{nemesis.name}: {audit.server_errors} answers of 500"
    assert audit.missing == [], f"{nemesis.name}: lost {audit.missing[:10]}"
    assert audit.duplicated == 0, f"{nemesis.name}: {audit.duplicated} duplicate email(s) outside the window"
    assert system.ready(), f"{nemesis.name}: the stack is not ready again"
    # The nemeses aimed at a window must have hit it, or the row proves nothing.
    for column, hit in system.row_expects.items():
        assert hit and row[column] > 0, f"{nemesis.name}: the window was not hit ({column} = {row[column]})"
    return row


def nothing(_system):
    pass


def _database_outage_answers_503(system):
    time.sleep(1.0)
    tickets = httpx.get(f"http://127.0.0.1:{system.stack.ports['tickets']}/readyz", timeout=5)
    assert tickets.status_code == 503 and tickets.json()["checks"]["database"] == "unavailable"
    gateway = httpx.get(f"{system.stack.gateway_url}/readyz", timeout=5)
    assert gateway.status_code == 503
    answer = httpx.get(f"{system.stack.gateway_url}/rest/servicedeskapi/request", timeout=10,
                       headers=system.actors.customers[0][2])
    assert answer.status_code == 503 and answer.headers.get("Retry-After")
    assert set(answer.json()) == {"errorMessage", "i18nErrorMessage"}


def _sink(**values):
    def apply(system):
        for key, value in values.items():
            setattr(system.sink, key, value)
    return apply


def _proxy(name: str, action: str, *args):
    def apply(system):
        getattr(system.proxies[name], action)(*args)
    return apply


def _kill_relay_between_confirm_and_mark(system):
    # The moment the broker's confirms reach the relay, its database link freezes: the relay holds
    # confirmed messages it cannot mark, and is killed so.
    frozen = threading.Event()

    def freeze():
        system.proxies["pg-relay"].freeze()
        frozen.set()

    system.proxies["amqp-relay"].on_next_reply(freeze)
    frozen.wait(10)
    time.sleep(1.0)
    system.kill("tickets-relay", signal.SIGKILL)
    system.row_expects["bus again"] = frozen.is_set()


def _restart_relay(system):
    system.proxies["pg-relay"].heal()
    system.proxies["amqp-relay"].heal()
    system.spawn("tickets-relay")


def _kill_notifier_between_send_and_ack(system):
    # The SMTP server accepts an email; before its "250" leaves, the notifier's database link freezes,
    # so the sender cannot record the send, and is killed so: the one window that mails twice.
    frozen = threading.Event()

    def freeze():
        system.proxies["pg-notifier"].freeze()
        frozen.set()

    system.sink.on_accept = freeze
    frozen.wait(10)
    time.sleep(1.0)
    system.kill("notifier-worker", signal.SIGKILL)
    system.row_expects["resent"] = frozen.is_set()


def _restart_notifier(system):
    system.proxies["pg-notifier"].heal()
    system.spawn("notifier-worker")


POISON = [
    (b"not json at all", "application/json"),
    (b'{"valid": "json", "but": "no event"}', "application/cloudevents+json"),
    (b"\x80\x04\x95pickled", "application/x-python-serialize"),
    (json.dumps({"specversion": "1.0", "id": "poison-unknown-type", "source": "/x", "type": "servicedesk.nothing.v1",
                 "data": {}}).encode(), "application/cloudevents+json"),
    (json.dumps({"specversion": "1.0", "id": "poison-contract", "source": "/x",
                 "type": "servicedesk.ticket.commented.v1", "data": {"key": "AM-1"}}).encode(),
     "application/cloudevents+json"),
    (b"\xff\xfe\x00 invalid utf-8", "application/json"),
    (b"[1, 2, 3]", "application/cloudevents+json"),
]


def _publish_poison(system):
    with Connection(system.rabbit.url) as conn:
        producer = Producer(conn.channel())
        for queue in ("notifier", "tickets", "identity"):
            for body, content_type in POISON:
                producer.publish(body, exchange="", routing_key=f"{system.prefix}{queue}", content_type=content_type,
                                 content_encoding="binary", delivery_mode=2)


def _poison_dead_lettered(system):
    with Connection(system.rabbit.url) as conn:
        channel = conn.channel()
        for queue in ("notifier", "tickets", "identity"):
            deadline = time.monotonic() + 30
            while (count := channel.queue_declare(f"{system.prefix}{queue}.dead", passive=True).message_count) \
                    < len(POISON) and time.monotonic() < deadline:
                time.sleep(0.5)
            assert count >= len(POISON), f"{queue}: {count} of {len(POISON)} poison messages dead-lettered"


def _rolling_restart(system):
    # gunicorn's graceful reload: new workers start, the old ones finish their requests and leave.
    for name in ("identity-api", "tickets-api", "notifier-api", "gateway"):
        system.stack.processes[name].send_signal(signal.SIGHUP)
        time.sleep(1.5)


def _sigterm_every_kind(system):
    for name in list(system.stack.processes):
        system.kill(name, signal.SIGTERM)
        system.spawn(name)
        if name in system.APIS:
            deadline = time.monotonic() + 30
            port = system.stack.ports["gateway" if name == "gateway" else system.APIS[name]]
            while time.monotonic() < deadline:
                try:
                    if httpx.get(f"http://127.0.0.1:{port}/readyz", timeout=2).status_code == 200:
                        break
                except httpx.HTTPError:
                    pass
                time.sleep(0.2)


def _broker_kill(system):
    system.rabbit.kill()


def _broker_start(system):
    system.rabbit.start()


NEMESES = [
    Nemesis("none", nothing, nothing, hold=0.0),
    Nemesis("PostgreSQL crashed 5 s, restarted", lambda s: s.pg.crash(), lambda s: s.pg.start(),
            check_during=_database_outage_answers_503, hold=3.0),
    Nemesis("SMTP 451 for 20 min (10 s at 120x)", _sink(down=True), _sink(down=False), hold=10.0),
    Nemesis("SMTP 550 for one recipient", lambda s: _sink(unknown={s.actors.customers[0][0].lower()})(s),
            nothing, hold=0.0),
    Nemesis("tickets relay killed between confirm and mark", _kill_relay_between_confirm_and_mark, _restart_relay,
            hold=0.5),
    Nemesis("notifier killed between send and ack", _kill_notifier_between_send_and_ack, _restart_notifier,
            hold=0.5),
    Nemesis("RabbitMQ killed, restarted after 5 s", _broker_kill, _broker_start),
    Nemesis("broker link cut 5 s", _proxy("amqp", "cut"), _proxy("amqp", "heal")),
    Nemesis("broker link frozen 5 s", _proxy("amqp", "freeze"), _proxy("amqp", "heal")),
    Nemesis("broker link slowed (0.2 s a packet) 5 s", _proxy("amqp", "slow", 0.2), _proxy("amqp", "heal")),
    Nemesis("SMTP connections dropped 5 s", _sink(drop=True), _sink(drop=False)),
    Nemesis("14 poison messages", _publish_poison, _poison_dead_lettered, hold=0.0),
    Nemesis("rolling restart of each API", _rolling_restart, nothing, hold=0.0),
    Nemesis("SIGTERM to every process kind", _sigterm_every_kind, nothing, hold=0.0),
]


@pytest.fixture(autouse=True)
def _clean_sink(system):
    yield
    system.sink.down = system.sink.drop = False
    system.sink.unknown = set()
    for proxy in system.proxies.values():
        proxy.heal()


@pytest.mark.parametrize("nemesis", NEMESES, ids=[n.name for n in NEMESES])
def test_fault(system, actors, auditor, nemesis):
    system.actors = actors
    run_row(system, actors, auditor, nemesis)
