"""Exchanges and queues, declared in one place.

- Each producing service owns a durable topic exchange ``<service>.events``.
- Each consuming service owns one durable queue named after itself, bound to the routing keys it
  handles, plus retry queues (messages wait there for a TTL, then dead-letter back to the main
  queue) and a dead-letter queue ``<consumer>.dead`` for messages that kept failing.
- ``prefix`` namespaces every name, so test runs on a shared broker never collide.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from kombu import Exchange, Queue, binding

RETRY_DELAYS = (1.0, 5.0, 30.0)
UNROUTED_TTL_MS = 7 * 24 * 3600 * 1000


def events_exchange(service: str, prefix: str = "") -> Exchange:
    """The durable topic exchange a service publishes its events to."""
    return _exchange(f"{prefix}{service}.events")


def _exchange(name: str) -> Exchange:
    # Events no consumer is bound for yet go to the alternate exchange and wait in a queue
    # there, rather than being dropped by the broker or blocking a publisher that sets mandatory.
    return Exchange(name, type="topic", durable=True,
                    arguments={"alternate-exchange": f"{name}.unrouted"})


def declare_events_exchange(channel, name: str) -> None:
    """Declare an events exchange with its alternate exchange and the queue that keeps unrouted events."""
    unrouted = Exchange(f"{name}.unrouted", type="fanout", durable=True)
    unrouted(channel).declare()
    Queue(f"{name}.unrouted", exchange=unrouted, durable=True,
          queue_arguments={"x-message-ttl": UNROUTED_TTL_MS})(channel).declare()
    _exchange(name)(channel).declare()


@dataclass(frozen=True)
class Subscription:
    """Routing keys a consumer wants from one producer's exchange."""

    service: str
    routing_keys: tuple[str, ...]


@dataclass(frozen=True)
class ConsumerTopology:
    consumer: str
    subscriptions: tuple[Subscription, ...]
    prefix: str = ""
    retry_delays: tuple[float, ...] = field(default=RETRY_DELAYS)

    @property
    def queue_name(self) -> str:
        return f"{self.prefix}{self.consumer}"

    @property
    def dead_letter_name(self) -> str:
        return f"{self.queue_name}.dead"

    def retry_name(self, attempt: int) -> str:
        return f"{self.queue_name}.retry.{attempt}"

    def main_queue(self) -> Queue:
        """The work queue: rejected messages go to the dead-letter queue via the default exchange."""
        bindings = []
        for sub in self.subscriptions:
            exchange = events_exchange(sub.service, self.prefix)
            bindings.extend(binding(exchange, routing_key=key) for key in sub.routing_keys)
        return Queue(
            self.queue_name,
            bindings=bindings,
            durable=True,
            queue_arguments={
                "x-dead-letter-exchange": "",
                "x-dead-letter-routing-key": self.dead_letter_name,
            },
        )

    def retry_queues(self) -> list[Queue]:
        """One delay queue per attempt; expired messages go back to the main queue."""
        return [
            Queue(
                self.retry_name(i + 1),
                exchange=Exchange(""),
                routing_key=self.retry_name(i + 1),
                durable=True,
                queue_arguments={
                    "x-message-ttl": int(delay * 1000),
                    "x-dead-letter-exchange": "",
                    "x-dead-letter-routing-key": self.queue_name,
                },
            )
            for i, delay in enumerate(self.retry_delays)
        ]

    def dead_letter_queue(self) -> Queue:
        return Queue(self.dead_letter_name, exchange=Exchange(""), routing_key=self.dead_letter_name,
                     durable=True)

    def declare(self, channel) -> None:
        """Declare exchanges, the work queue with its bindings, retry and dead-letter queues."""
        for sub in self.subscriptions:
            declare_events_exchange(channel, events_exchange(sub.service, self.prefix).name)
        self.dead_letter_queue()(channel).declare()
        for queue in self.retry_queues():
            queue(channel).declare()
        self.main_queue()(channel).declare()
