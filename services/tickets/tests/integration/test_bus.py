"""The worker feeds the replica from identity events, and the relay publishes ticket events, on RabbitMQ."""
from __future__ import annotations

import json
import threading
import uuid

from kombu import Connection, Exchange, Queue
from sqlalchemy import text

from common.bus.publisher import Publisher
from common.events import CloudEvent, event_type
from tickets.relay import build_relay
from common.testing import wait_for
from tickets.worker import build_worker


def test_the_worker_applies_an_identity_event_to_the_replica(bus_settings, app):
    worker = build_worker(bus_settings)
    with Connection(bus_settings.amqp_url) as conn:
        worker.topology.declare(conn.default_channel)
    account_id = str(uuid.uuid4())
    event = CloudEvent(type=event_type("account.created"), source="/servicedesk/identity", subject=account_id,
                       data={"accountId": account_id, "email": "zoe@example.com", "displayName": "Zoé",
                             "language": "fr", "role": "customer", "kind": "internal", "active": True})
    publisher = Publisher(bus_settings.amqp_url)
    publisher.publish(f"{bus_settings.bus_prefix}identity.events", event.routing_key, event.to_json(), event.id)
    publisher.publish(f"{bus_settings.bus_prefix}identity.events", event.routing_key, event.to_json(), event.id)
    publisher.close()

    thread = threading.Thread(target=worker.run, daemon=True)
    thread.start()
    try:
        engine = app.extensions["tickets.engine"]

        def replica_row():
            with engine.connect() as conn:
                return conn.execute(text("SELECT email, display_name, language FROM accounts WHERE id = :i"),
                                    {"i": account_id}).first()

        assert tuple(wait_for(replica_row)) == ("zoe@example.com", "Zoé", "fr")
        with engine.connect() as conn:
            wait_for(lambda: conn.execute(text("SELECT count(*) FROM inbox")).scalar() == 1)
    finally:
        worker.should_stop = True
        thread.join(10)


def test_the_relay_publishes_ticket_events_from_the_outbox(bus_settings, api, person):
    probe_name = f"{bus_settings.bus_prefix}probe"
    with Connection(bus_settings.amqp_url) as conn:
        from common.bus.topology import declare_events_exchange

        declare_events_exchange(conn.default_channel, bus_settings.exchange)
        Queue(probe_name, Exchange(bus_settings.exchange, type="topic", durable=True,
                                   arguments={"alternate-exchange": f"{bus_settings.exchange}.unrouted"}),
              routing_key="ticket.#")(conn.default_channel).declare()
    # The app under test writes its outbox rows with the default exchange name; re-point them.
    engine = api.client.application.extensions["tickets.engine"]
    api.create(person())
    with engine.begin() as conn:
        conn.execute(text("UPDATE outbox SET exchange = :e"), {"e": bus_settings.exchange})
    relay = build_relay(bus_settings)
    assert relay.run_once() == 1
    assert relay.pending() == 0
    with Connection(bus_settings.amqp_url) as conn:
        queue = conn.SimpleQueue(probe_name)
        message = queue.get(timeout=5)
        body = json.loads(message.body)
        message.ack()
        queue.close()
    assert body["type"] == "servicedesk.ticket.created.v1"
    assert body["subject"] == "AM-1"
