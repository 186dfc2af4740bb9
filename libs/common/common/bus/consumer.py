"""Consumer worker: JSON CloudEvents only, one transaction per event, ack after commit.

For each delivery the worker opens a transaction, skips the event if the inbox has it, runs the
handler, records the id in the inbox and commits; only then does it ack. A failing handler's
message is republished to a delay queue (1 s, 5 s, 30 s by default) and acked; when the attempts
are spent it is rejected to the dead-letter queue. A database outage is no failure of the event: the
message goes back to its queue without counting an attempt, after a pause, however long the outage. A message that is not a valid event of ours, or
whose payload breaks its contract (marshmallow ValidationError), goes to the dead-letter queue at once.
"""
from __future__ import annotations

import json
import logging
import time
from contextlib import contextmanager
from typing import Callable

from kombu import Connection, Producer
from kombu.mixins import ConsumerMixin
from kombu.serialization import register
from marshmallow import ValidationError
from sqlalchemy.orm import Session, sessionmaker

from .. import metrics
from ..db import transaction
from ..errors import is_database_outage
from ..events import CONTENT_TYPE, CloudEvent, InvalidEvent
from ..inbox import Inbox
from ..log import correlation_scope
from ..runtime import beat
from .topology import ConsumerTopology

logger = logging.getLogger(__name__)

Handler = Callable[[Session, CloudEvent], None]
ATTEMPT_HEADER = "x-servicedesk-attempt"
QUEUE_DEPTH_INTERVAL = 10.0  # seconds between two reads of the queue's depth

register("cloudevents", json.dumps, json.loads, content_type=CONTENT_TYPE, content_encoding="utf-8")


class Worker(ConsumerMixin):
    def __init__(
        self,
        amqp_url: str,
        topology: ConsumerTopology,
        handlers: dict[str, Handler],
        session_factory: sessionmaker[Session],
        inbox: Inbox,
        prefetch: int = 10,
        outage_pause: float = 1.0,
    ):
        self.amqp_url = amqp_url
        self.topology = topology
        self.handlers = handlers
        self.session_factory = session_factory
        self.inbox = inbox
        self.prefetch = prefetch
        self.outage_pause = outage_pause
        self.is_memory = amqp_url.startswith("memory://")
        self.connection = Connection(amqp_url, transport_options={"confirm_publish": True})
        self._depth_measured = 0.0

    def get_consumers(self, Consumer, channel):
        self.topology.declare(channel)
        return [
            Consumer(
                queues=[self.topology.main_queue()],
                accept=[CONTENT_TYPE, "application/json"],
                prefetch_count=self.prefetch,
                callbacks=[self.on_message],
                no_ack=False,
            )
        ]

    def on_iteration(self):
        beat()
        if time.monotonic() - self._depth_measured > QUEUE_DEPTH_INTERVAL:
            self._depth_measured = time.monotonic()
            self.measure_queue_depth()

    def measure_queue_depth(self) -> None:
        """Ask the broker how many messages wait in the queue (a passive declare) for the gauge."""
        name = self.topology.queue_name
        try:
            ok = self.connection.default_channel.queue_declare(queue=name, passive=True)
        except Exception as exc:  # the connection loop reports broker trouble; keep the last value
            logger.debug("cannot read the depth of %s: %s", name, exc)
            return
        metrics.QUEUE_DEPTH.labels(name).set(ok.message_count)

    @contextmanager
    def establish_connection(self):
        # kombu's default back-off grows to 30 s between attempts; a worker should be back
        # within seconds of the broker.
        with self.create_connection() as conn:
            conn.ensure_connection(self.on_connection_error, self.connect_max_retries,
                                   interval_start=0.5, interval_step=1, interval_max=5)
            yield conn

    def on_connection_error(self, exc, interval):
        logger.warning("broker connection lost, retrying in %ss: %s", interval, exc)

    def on_decode_error(self, message, exc) -> None:
        """A body kombu cannot decode (not JSON, or a refused content type) goes to the DLQ at once."""
        logger.error("dead-lettering a message that cannot be decoded (%s): %s", message.content_type, exc)
        self._dead_letter(message)

    def on_message(self, body, message) -> None:
        decoded = self.decode(body, message)
        if decoded is not None:
            self.process(*decoded, message)

    def decode(self, body, message) -> tuple[CloudEvent, Handler] | None:
        """The event and its handler; None once a message that is no event of ours is dead-lettered."""
        try:
            event = CloudEvent.from_dict(body if isinstance(body, dict) else json.loads(body))
        except (InvalidEvent, ValueError, TypeError) as exc:
            logger.error("dead-lettering a message that is not a valid event: %s", exc)
            self._dead_letter(message)
            return None
        handler = self.handlers.get(event.routing_key)
        if handler is None:
            with correlation_scope(event.correlationid):
                logger.error("dead-lettering %s: no handler for %s", event.id, event.routing_key)
            self._dead_letter(message)
            return None
        return event, handler

    def process(self, event: CloudEvent, handler: Handler, message) -> None:
        """Handle one event in its own transaction, then ack, retry or dead-letter its message."""
        with correlation_scope(event.correlationid):
            started = time.perf_counter()
            try:
                processed = self.handle(event, handler)
            except ValidationError as exc:
                logger.error("dead-lettering %s %s: payload breaks its contract: %s", event.type, event.id,
                             exc.messages)
                self._dead_letter(message)
                return
            except Exception as exc:
                if is_database_outage(exc):
                    logger.warning("database unavailable for %s %s; requeued: %s", event.type, event.id,
                                   str(exc).splitlines()[0] if str(exc) else type(exc).__name__)
                    time.sleep(self.outage_pause)
                    message.requeue()
                    return
                logger.exception("handler for %s failed on event %s", event.type, event.id)
                self._retry_or_dead_letter(message)
                return
            message.ack()
            queue = self.topology.queue_name
            metrics.HANDLING.labels(queue).observe(time.perf_counter() - started)
            metrics.CONSUMED.labels(queue, "processed" if processed else "duplicate").inc()

    def handle(self, event: CloudEvent, handler: Handler) -> bool:
        """Run ``handler`` once for ``event`` in one transaction; False if it was already processed."""
        with transaction(self.session_factory) as session:
            if self.inbox.seen(session, event.id):
                logger.info("skipping %s %s: already processed", event.type, event.id)
                return False
            handler(session, event)
            self.inbox.record(session, event.id, event.type)
        logger.info("processed %s %s", event.type, event.id)
        return True

    def _retry_or_dead_letter(self, message) -> None:
        attempt = int((message.headers or {}).get(ATTEMPT_HEADER, 0)) + 1
        delays = self.topology.retry_delays
        if attempt > len(delays):
            logger.error("dead-lettering after %d attempts", attempt)
            self._dead_letter(message)
            return
        metrics.CONSUMED.labels(self.topology.queue_name, "retried").inc()
        if self.is_memory:
            # The in-memory transport has no TTL or dead-lettering: wait here, then requeue.
            time.sleep(delays[attempt - 1])
            target = self.topology.queue_name
        else:
            target = self.topology.retry_name(attempt)
        self._republish(message, target, attempt)
        message.ack()

    def _dead_letter(self, message) -> None:
        metrics.CONSUMED.labels(self.topology.queue_name, "dead_lettered").inc()
        if self.is_memory:
            self._republish(message, self.topology.dead_letter_name, None)
            message.ack()
        else:
            message.reject(requeue=False)

    def _republish(self, message, queue_name: str, attempt: int | None) -> None:
        headers = dict(message.headers or {})
        if attempt is not None:
            headers[ATTEMPT_HEADER] = attempt
        producer = Producer(self.connection.default_channel)
        producer.publish(
            message.body,
            exchange="",
            routing_key=queue_name,
            delivery_mode=2,
            content_type=message.content_type,
            content_encoding=message.content_encoding,
            headers=headers,
            message_id=message.properties.get("message_id"),
        )
