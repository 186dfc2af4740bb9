"""Scale-out: two tickets API processes and two tickets relays on one database and one bus.

Requests for one desk are spread over both API processes at once: the keys they get are the desk's
next numbers with no gap and no duplicate, and each ticket.created event reaches a bound queue once,
published by both relays between them (``FOR UPDATE SKIP LOCKED`` claims; see common.outbox).
"""
from __future__ import annotations

import json
import re
import time
import uuid
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest
from kombu import Connection, Queue

from common.bus.topology import events_exchange
from common.testing import amqp_server_url, free_port, wait_for
from conftest import new_customer

N = 300
RELAYS = ("tickets-relay", "tickets-relay-2")


def published(port: int) -> float:
    """Events the relay serving /metrics on ``port`` has published and had confirmed."""
    text = httpx.get(f"http://127.0.0.1:{port}/metrics", timeout=5).text
    return sum(float(line.rsplit(" ", 1)[1]) for line in text.splitlines()
               if line.startswith("servicedesk_outbox_published_total{"))


def serving(port: int) -> bool:
    try:
        published(port)
        return True
    except httpx.HTTPError:
        return False


@pytest.fixture
def scaled(stack):
    """The stack with a second tickets API and two tickets relays that export their counters."""
    api_port = free_port()
    metrics = {name: free_port() for name in RELAYS}
    stack.add_api("tickets-api-2", "tickets", api_port)
    stack.stop_process("tickets-relay")
    for name in RELAYS:
        stack.add_process(name, "tickets-relay", {"METRICS_PORT": str(metrics[name]), "METRICS_ADDR": "127.0.0.1"})
    for name, port in metrics.items():
        wait_for(lambda: serving(port), timeout=30, what=f"/metrics of {name}")
    yield [f"http://127.0.0.1:{stack.ports['tickets']}", f"http://127.0.0.1:{api_port}"], metrics
    for name in ("tickets-api-2", "tickets-relay-2"):
        stack.stop_process(name)


@pytest.fixture
def created_events(stack):
    """A queue of this test's own bound to the tickets exchange for ticket.created; deleted afterwards."""
    name = f"{stack.env['BUS_PREFIX']}scale-out-{uuid.uuid4().hex[:8]}"
    exchange = events_exchange("tickets", stack.env["BUS_PREFIX"])
    # Straight to the broker: the stack's fault proxy is for the services.
    with Connection(amqp_server_url(), connect_timeout=5) as conn:
        queue = Queue(name, exchange=exchange, routing_key="ticket.created.#", durable=False, auto_delete=False)
        queue(conn.default_channel).declare()
        try:
            yield conn, queue
        finally:
            queue(conn.channel()).delete()


def drain(conn: Connection, queue: Queue, expected: set[str], timeout: float = 40) -> list[tuple[str, str]]:
    """(message id, ticket key) of every message on ``queue`` until all ``expected`` keys came, then a bit more."""
    seen: list[tuple[str, str]] = []
    channel = conn.channel()
    bound = queue(channel)
    deadline = time.monotonic() + timeout
    settle = None
    while time.monotonic() < deadline:
        message = bound.get(no_ack=True)
        if message is None:
            keys = {key for _, key in seen}
            if expected <= keys:
                settle = settle or time.monotonic() + 1.5  # a duplicate would come right behind
                if time.monotonic() > settle:
                    break
            time.sleep(0.05)
            continue
        body = json.loads(message.body)
        seen.append((message.properties.get("message_id") or body["id"], body["data"]["key"]))
    return seen


def test_two_apis_and_two_relays_give_gap_free_keys_and_publish_each_event_once(
        stack, api, agent_headers, mailbox, scaled, created_events):
    apis, metrics = scaled
    conn, queue = created_events
    _email, customer = new_customer(api, agent_headers, mailbox, label="scale-out")
    desks = api.get("/rest/servicedeskapi/servicedesk", headers=customer).json()["values"]
    am = next(d for d in desks if d["projectKey"] == "AM")
    types = api.get(f"/rest/servicedeskapi/servicedesk/{am['id']}/requesttype", headers=customer).json()["values"]
    body = {"serviceDeskId": am["id"], "requestTypeId": types[0]["id"]}

    def create(client: httpx.Client, i: int) -> httpx.Response:
        return client.post("/rest/servicedeskapi/request", headers=customer, json={
            **body, "requestFieldValues": {"summary": f"Scale-out request {i}", "description": "Load."}})

    clients = [httpx.Client(base_url=url, timeout=60) for url in apis]
    try:
        # The desk's number before the load: the stack is shared, so earlier tests used some.
        first = create(clients[0], -1)
        assert first.status_code == 201, first.text
        start = int(first.json()["issueKey"].split("-")[1])
        before = {name: published(port) for name, port in metrics.items()}
        with ThreadPoolExecutor(max_workers=16) as pool:
            answers = list(pool.map(lambda i: create(clients[i % 2], i), range(N)))
    finally:
        for client in clients:
            client.close()

    assert [r.status_code for r in answers if r.status_code != 201] == [], answers[0].text
    keys = [r.json()["issueKey"] for r in answers]
    assert all(re.fullmatch(r"AM-\d+", k) for k in keys), keys[:5]
    numbers = sorted(int(k.split("-")[1]) for k in keys)
    assert numbers == list(range(start + 1, start + N + 1)), "keys with a gap or a duplicate"

    seen = drain(conn, queue, set(keys))
    ids = [message_id for message_id, key in seen if key in set(keys)]
    assert sorted({key for _, key in seen if key in set(keys)}) == sorted(keys), "a ticket.created never arrived"
    assert len(ids) == N and len(set(ids)) == N, f"{len(ids) - len(set(ids))} events arrived more than once"
    assert len({message_id for message_id, _ in seen}) == len(seen), "an event arrived twice"

    counts = {name: published(port) - before[name] for name, port in metrics.items()}
    assert sum(counts.values()) >= N, counts
    assert all(count > 0 for count in counts.values()), f"one relay published nothing: {counts}"
