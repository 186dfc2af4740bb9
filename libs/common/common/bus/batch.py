"""A consumer worker that handles the deliveries waiting together in one transaction.

Under a steady stream of events most of a worker's CPU goes to what every event pays again: a
session, a transaction, the inbox's lookup and insert, the commit. ``BatchWorker`` gathers the
deliveries (up to ``batch_size``, waiting at most ``linger`` seconds after the first), looks them up
in the inbox with one statement, runs each handler in one transaction, records them with one
statement, commits, and only then acks each message. The guarantees are the ``Worker``'s: at least
once, a redelivered (or twice delivered) event handled once, ack after commit. When any handler of
the batch fails, the transaction is rolled back and each event of the batch goes again through
``Worker.process`` on its own, so a poison message is retried or dead-lettered alone and the others
commit. A database outage requeues the whole batch without counting an attempt.

Only for handlers whose effects are all in the transaction: a handler that sends something (an
email) would send it again when its batch is replayed one by one.
"""
from __future__ import annotations

import logging
import time

from .. import metrics
from ..db import transaction
from ..errors import is_database_outage
from ..events import CloudEvent
from ..log import correlation_scope
from .consumer import Handler, Worker

logger = logging.getLogger(__name__)


class BatchWorker(Worker):
    def __init__(self, *args, batch_size: int = 100, linger: float = 0.05, **kwargs):
        kwargs.setdefault("prefetch", batch_size)
        super().__init__(*args, **kwargs)
        self.batch_size = batch_size
        self.linger = linger
        self._pending: list[tuple[CloudEvent, Handler, object]] = []
        self._first_at = 0.0

    def run(self, _tokens=1, **kwargs):
        # The drain loop wakes at least every ``linger`` so a lone event is not held longer.
        kwargs.setdefault("safety_interval", self.linger)
        super().run(_tokens, **kwargs)

    def on_message(self, body, message) -> None:
        decoded = self.decode(body, message)
        if decoded is None:
            return
        if not self._pending:
            self._first_at = time.monotonic()
        self._pending.append((*decoded, message))
        if len(self._pending) >= self.batch_size:
            self.flush()

    def on_iteration(self):
        super().on_iteration()
        if self._pending and time.monotonic() - self._first_at >= self.linger:
            self.flush()

    def on_connection_revived(self):
        # Deliveries of a lost channel cannot be acked; the broker delivers them again.
        self._pending = []

    def on_consume_end(self, connection, channel):
        self.flush()  # stopping: the channel still takes acks

    def flush(self) -> None:
        batch, self._pending = self._pending, []
        if not batch:
            return
        started = time.perf_counter()
        try:
            processed = self.handle_batch([(event, handler) for event, handler, _ in batch])
        except Exception as exc:
            if is_database_outage(exc):
                logger.warning("database unavailable for a batch of %d events; requeued: %s", len(batch),
                               str(exc).splitlines()[0] if str(exc) else type(exc).__name__)
                time.sleep(self.outage_pause)
                for _, _, message in batch:
                    message.requeue()
                return
            logger.warning("a batch of %d events failed (%s); handling each on its own", len(batch),
                           type(exc).__name__)
            for event, handler, message in batch:
                self.process(event, handler, message)
            return
        queue = self.topology.queue_name
        each = (time.perf_counter() - started) / len(batch)
        for _, _, message in batch:
            message.ack()
            metrics.HANDLING.labels(queue).observe(each)
        metrics.CONSUMED.labels(queue, "processed").inc(processed)
        if len(batch) > processed:
            metrics.CONSUMED.labels(queue, "duplicate").inc(len(batch) - processed)

    def handle_batch(self, batch: list[tuple[CloudEvent, Handler]]) -> int:
        """Run each handler once per new event, all in one transaction; the number of events handled."""
        with transaction(self.session_factory) as session:
            done = self.inbox.seen_among(session, list({event.id for event, _ in batch}))
            fresh: list[tuple[str, str]] = []
            for event, handler in batch:
                if event.id in done:
                    logger.info("skipping %s %s: already processed", event.type, event.id)
                    continue
                with correlation_scope(event.correlationid):
                    handler(session, event)
                done.add(event.id)
                fresh.append((event.id, event.type))
            if fresh:
                self.inbox.record_all(session, fresh)
        logger.info("processed %d events in one transaction", len(fresh))
        return len(fresh)
