"""Publisher with broker confirms, persistent messages and a bounded retry.

Used by the outbox relays, never by a web request. ``publish`` returns only once the broker has
confirmed the message (py-amqp ``confirm_publish``) and raises otherwise, so the relay marks a row
sent only when it is safe. ``publish_batch`` sends a whole batch and then waits for the broker's
confirms together (the relay's path: one round trip per batch instead of per message), reporting
which messages were confirmed. ``mandatory`` is set; events no queue is bound for yet are caught by the
exchange's alternate exchange (see ``topology``) instead of being dropped.
"""
from __future__ import annotations

import logging
import socket
import threading
import time
from typing import Sequence

import amqp
from kombu import Connection, Producer

from ..events import CONTENT_TYPE
from ..outbox import BatchResult, BrokerUnavailable, Outgoing, one_by_one
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
        self._batch: _ConfirmingChannel | None = None
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

    def publish_batch(self, messages: Sequence[Outgoing]) -> BatchResult:
        """Publish every message, then wait (up to ``confirm_timeout``) for the broker's confirms.

        Raises ``BrokerUnavailable`` when the broker cannot be reached before anything is sent;
        otherwise reports what was confirmed, what the broker refused, and a link failure mid-batch.
        """
        if self.is_memory:
            return one_by_one(self.publish)(messages)
        with self._lock:
            try:
                if self._batch is None:
                    self._batch = _ConfirmingChannel(self.amqp_url)
                for name in sorted({m.exchange for m in messages} - self._batch.declared):
                    declare_events_exchange(self._batch.channel, name)
                    self._batch.declared.add(name)
            except Exception as exc:
                self._close_batch()
                raise BrokerUnavailable(str(exc) or type(exc).__name__) from exc
            result = self._batch.publish(messages, self.confirm_timeout)
            if result.unconfirmed_error:
                self._close_batch()
            return result

    def _close_batch(self) -> None:
        batch, self._batch = self._batch, None
        if batch is not None:
            batch.close()

    def close(self) -> None:
        self._close_batch()
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


class _ConfirmingChannel:
    """One connection and channel in confirm mode, publishing without waiting per message."""

    def __init__(self, amqp_url: str):
        self.conn = Connection(amqp_url, heartbeat=0, connect_timeout=5)
        self.conn.ensure_connection(max_retries=1)
        self.channel = self.conn.channel()
        self.channel.confirm_select()
        self.declared: set[str] = set()
        self._tag = 0
        self._outstanding: set[int] = set()
        self._acked: set[int] = set()
        self._nacked: set[int] = set()
        self._returned: dict[str, str] = {}
        self.channel.events["basic_ack"].add(lambda tag, multiple: self._settle(self._acked, tag, multiple))
        self.channel.events["basic_nack"].add(lambda tag, multiple: self._settle(self._nacked, tag, multiple))
        self.channel.events["basic_return"].add(self._on_return)

    def _settle(self, target: set[int], tag: int, multiple: bool) -> None:
        settled = {t for t in self._outstanding if t <= tag} if multiple else {tag} & self._outstanding
        self._outstanding -= settled
        target |= settled

    def _on_return(self, exc, exchange, routing_key, message):
        self._returned[message.properties.get("message_id", "")] = f"returned by the broker: {exc}"

    def publish(self, messages: Sequence[Outgoing], timeout: float) -> BatchResult:
        result = BatchResult()
        tags: dict[int, int] = {}
        try:
            for index, msg in enumerate(messages):
                self.channel.basic_publish(
                    amqp.Message(msg.body.encode("utf-8"), content_type=CONTENT_TYPE, content_encoding="utf-8",
                                 delivery_mode=2, message_id=msg.message_id),
                    exchange=msg.exchange, routing_key=msg.routing_key, mandatory=True,
                )
                self._tag += 1
                tags[self._tag] = index
                self._outstanding.add(self._tag)
            deadline = time.monotonic() + timeout
            while self._outstanding:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise TimeoutError(f"the broker confirmed no more within {timeout:.0f}s")
                self.conn.drain_events(timeout=remaining)
        except (Exception, socket.timeout) as exc:
            result.unconfirmed_error = str(exc) or type(exc).__name__
        for tag, index in tags.items():
            msg = messages[index]
            if tag in self._nacked:
                result.failed[index] = "refused by the broker (basic.nack)"
            elif msg.message_id in self._returned:
                result.failed[index] = self._returned.pop(msg.message_id)
            elif tag in self._acked:
                result.confirmed.append(index)
        self._acked.clear()
        self._nacked.clear()
        return result

    def close(self) -> None:
        try:
            self.conn.release()
        except Exception:  # pragma: no cover - best effort on a broken socket
            pass
