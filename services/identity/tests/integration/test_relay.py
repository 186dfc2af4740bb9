"""The relay publishes outbox rows to RabbitMQ, where an independent subscriber receives them."""
import dataclasses
import json

import pytest
from kombu import Connection, Queue

from common.bus.topology import declare_events_exchange, events_exchange
from common.events import validate
from common.testing import amqp_server_url, check_reachable
from identity.relay import build_relay


@pytest.fixture
def amqp_url():
    url = amqp_server_url()
    check_reachable(url, "amqp")
    return url


def test_relay_publishes_the_invitation_to_rabbitmq(api, settings, amqp_url, outbox):
    exchange = events_exchange("identity", settings.bus_prefix)
    with Connection(amqp_url, connect_timeout=5) as conn:
        channel = conn.channel()
        declare_events_exchange(channel, exchange.name)
        queue = Queue(f"{settings.bus_prefix}test-subscriber", exchange=exchange,
                      routing_key="customer.invited.v1", exclusive=True)(channel)
        queue.declare()

        agent = api.token_for("agent@example.com", "agent")
        api.call("POST", "/api/identity/invitations", {"emails": ["relayed@example.com"]}, agent)
        relay = build_relay(dataclasses.replace(settings, amqp_url=amqp_url))
        try:
            assert relay.run_once() == len(outbox())
            assert relay.pending() == 0
        finally:
            relay.publish.__self__.close()
            relay.engine.dispose()

        message = queue.get(no_ack=True)
        assert message is not None
        body = json.loads(message.body)
        validate(body)
        assert body["type"] == "servicedesk.customer.invited.v1"
        assert body["data"]["email"] == "relayed@example.com"
        assert message.properties["message_id"] == body["id"]
        assert message.properties["delivery_mode"] == 2
        for name in (exchange.name, f"{exchange.name}.unrouted"):
            channel.exchange_delete(name)
        channel.queue_delete(f"{exchange.name}.unrouted")
