"""Publisher with broker confirms, persistent messages and a bounded retry.

Used by the outbox relays, never by a web request. ``publish`` returns only once the broker has
confirmed the message (py-amqp ``confirm_publish``) and raises otherwise, so the relay marks a row
sent only when it is safe. ``mandatory`` is set; events no queue is bound for yet are caught by the
exchange's alternate exchange (see ``topology``) instead of being dropped.
"""
from __future__ import annotations

import logging
import threading

from kombu import Connection, Producer

from ..events import CONTENT_TYPE
from .topology import declare_events_exchange

logger = logging.getLogger(__name__)

RETRY_POLICY = {"max_retries": 2, "interval_start": 0.2, "interval_step": 0.5, "interval_max": 1.0}


class Publisher:
    def __init__(self, amqp_url: str, confirm_timeout: float = 10.0):
        self.amqp_url = amqp_url
        self.confirm_timeout = confirm_timeout
        self._conn: Connection | None = None
        self._producer: Producer | None = None
        self._declared: set[str] = set()
        self._lock = threading.Lock()
        self.is_memory = amqp_url.startswith("memory://")

    def _connect(self) -> Producer:
        if self._producer is None:
            # heartbeat=0: a publisher drains no events, so the broker must not expect beats.
            self._conn = Connection(
                self.amqp_url, heartbeat=0, transport_options={"confirm_publish": True},
                connect_timeout=5,
            )
            self._conn.ensure_connection(max_retries=1)
            self._producer = Producer(self._conn.channel())
            self._declared.clear()
        return self._producer

    def publish(self, exchange: str, routing_key: str, body: str, message_id: str) -> None:
        """Publish one event and wait for the broker's confirm; raise if it is not confirmed."""
        with self._lock:
            try:
                producer = self._connect()
                if exchange not in self._declared:
                    declare_events_exchange(producer.channel, exchange)
                    self._declared.add(exchange)
                kwargs = {} if self.is_memory else {"mandatory": True, "confirm_timeout": self.confirm_timeout}
                producer.publish(
                    body.encode("utf-8"),
                    exchange=exchange,
                    routing_key=routing_key,
                    delivery_mode=2,
                    content_type=CONTENT_TYPE,
                    content_encoding="utf-8",
                    message_id=message_id,
                    **kwargs,
                )
            except Exception:
                # Drop the connection: the next call reconnects rather than reusing a broken channel.
                self.close()
                raise

    def close(self) -> None:
        conn, self._conn, self._producer = self._conn, None, None
        if conn is not None:
            try:
                conn.release()
            except Exception:  # pragma: no cover - best effort on a broken socket
                pass

    def ping(self) -> None:
        """Raise unless the broker accepts a connection (readiness probe)."""
        with Connection(self.amqp_url, heartbeat=0, connect_timeout=3) as conn:
            conn.ensure_connection(max_retries=1)
