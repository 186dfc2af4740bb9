"""The notifier's consumer: ``python -m notifier.worker`` (one process; scale by running more)."""
from __future__ import annotations

import json
import logging
import socket
import sys
import threading
import time
from itertools import count

from sqlalchemy import select

from common import metrics
from common.bus.consumer import Worker
from common.bus.topology import ConsumerTopology, Subscription
from common.db import make_engine, make_session_factory, transaction
from common.events import CloudEvent, InvalidEvent, utc_now
from common.inbox import Inbox
from common.log import configure_logging, correlation_scope
from common.runtime import run_worker

from .channels import make_channel
from .handlers import IDENTITY_EVENTS, TICKET_EVENTS, Handlers, accounts_named
from .mailer import Mailer
from .settings import Settings
from .senders import SenderPool
from .spool import Sender
from .store import accounts as account_store
from .store.prepared import INBOX_CLAIM_WITH_ACCOUNTS, on_driver
from .store.sent_log import HANDED, SentLog
from .store.tables import inbox

CONSUMER = "notifier"
logger = logging.getLogger(__name__)


def topology(settings: Settings) -> ConsumerTopology:
    """The notifier's queue, bound to the identity and ticket events it handles, with retry and DLQ."""
    return ConsumerTopology(
        consumer=CONSUMER,
        subscriptions=(
            Subscription("identity", IDENTITY_EVENTS),
            Subscription("tickets", TICKET_EVENTS),
        ),
        prefix=settings.bus_prefix,
        retry_delays=settings.retry_delays,
    )


class NotifierWorker(Worker):
    """The consumer (events -> spool rows) with the spool's sender in a thread beside it.

    Deliveries that are already waiting in the socket, or arrive within ``batch_wait`` seconds of the
    first, are handled together, in one transaction (at most ``prefetch`` of them): a commit per event
    would make the database's disk flush the limit of emails per second, and at intake rates a batch's
    fixed cost (its round trips, commit and handover) was most of an event's CPU. Each is still acked only after that commit. When any event of a batch fails,
    the batch is rolled back and its events are handled again one by one, exactly as the base worker
    does (retry, dead letter, requeue on a database outage), so one bad event costs the others
    nothing but a second try.
    """

    def __init__(self, *args, sender: Sender, sent_log: SentLog | None = None, more_senders: tuple[Sender, ...] = (),
                 batch_wait: float = 0.0, **kwargs):
        super().__init__(*args, **kwargs)
        self.batch_wait = batch_wait
        self.sender = sender
        # Each sender has an SMTP session of its own: an email's exchange is round trips, so several
        # sessions keep the relay busy while each waits for its answers (as an MTA's delivery agents).
        self.senders = (sender, *more_senders)
        self.pool = SenderPool(list(self.senders))
        self.sent_log = sent_log or SentLog()
        self._pending: list[tuple[object, object]] = []

    def wake_senders(self) -> None:
        self.pool.wake()

    def handle(self, event, handler) -> bool:
        processed = super().handle(event, handler)
        self.wake_senders()
        return processed

    def on_message(self, body, message) -> None:
        self._pending.append((body, message))

    def consume(self, limit=None, timeout=None, safety_interval=1, **kwargs):
        # kombu's ConsumerMixin.consume, with one change: after a delivery, whatever else arrives within
        # ``batch_wait`` seconds is drained too (up to ``prefetch`` messages) and handled as one batch.
        elapsed = 0
        with self.consumer_context(**kwargs) as (conn, channel, consumers):
            for _ in limit and range(limit) or count():
                if self.should_stop:
                    break
                self.on_iteration()
                try:
                    try:
                        conn.drain_events(timeout=safety_interval)
                        until = time.monotonic() + self.batch_wait
                        while len(self._pending) < max(1, self.prefetch) and not self.is_memory:
                            try:
                                conn.drain_events(timeout=max(0.0, until - time.monotonic()))
                            except socket.timeout:
                                break
                    except BaseException as exc:
                        if not isinstance(exc, socket.timeout):
                            self._pending.clear()  # not acked: the broker delivers them again
                        raise
                except socket.timeout:
                    self._flush()
                    conn.heartbeat_check()
                    elapsed += safety_interval
                    if timeout and elapsed >= timeout:
                        raise
                except OSError:
                    if not self.should_stop:
                        raise
                else:
                    self._flush()
                    yield
                    elapsed = 0

    def _flush(self) -> None:
        # A single event takes the batch's path too: one statement each for its accounts, its inbox
        # check, its emails and its inbox row, all of constant text (``store.prepared``). Only when it
        # fails is it handled again by the base worker, which retries or dead-letters it.
        batch, self._pending = self._pending, []
        if batch and not self._handle_batch(batch):
            for body, message in batch:
                super().on_message(body, message)

    def _handle_batch(self, batch) -> bool:
        """Handle every event of ``batch`` in one transaction and ack them; False (nothing done) on any failure."""
        events = []
        for body, message in batch:
            try:
                event = CloudEvent.from_dict(body if isinstance(body, dict) else json.loads(body))
            except (InvalidEvent, ValueError, TypeError):
                return False
            handler = self.handlers.get(event.routing_key)
            if handler is None:
                return False
            events.append((event, handler))
        started = time.perf_counter()
        outcomes = []
        table, consumer = self.inbox.table, self.inbox.consumer
        handed, queued = None, 0
        try:
            with transaction(self.session_factory) as session:
                # The inbox is read and written once for the batch, not twice per event (on PostgreSQL
                # one statement does both); the accounts of the events to handle are read in one
                # statement and the emails inserted in one.
                account_store.remember(session)
                self.sent_log.buffer(session)
                prepared = on_driver(session)
                ids = [e.id for e, _ in events]
                named = [(e.id, i) for e, _ in events if isinstance(e.data, dict) for i in accounts_named(e.data)]
                if prepared:
                    # The claim and the accounts of the events it claims, in one statement.
                    kinds = dict(sorted((e.id, e.type) for e, _ in events))
                    rows = INBOX_CLAIM_WITH_ACCOUNTS.run(session, {
                        "consumer": consumer, "ids": list(kinds), "types": list(kinds.values()), "at": utc_now(),
                        "named_events": [e for e, _ in named], "named_accounts": [i for _, i in named]})
                    seen = set(kinds) - {row.event_id for row in rows if row.event_id is not None}
                    account_store.keep(session, [i for e, i in named if e not in seen],
                                       [row for row in rows if row.id is not None])
                else:
                    seen = set(session.execute(select(table.c.event_id).where(
                        table.c.consumer == consumer, table.c.event_id.in_(ids))).scalars())
                    account_store.prefetch(session, [i for e, i in named if e not in seen])
                done = []
                for event, handler in events:
                    if event.id in seen:
                        logger.info("skipping %s %s: already processed", event.type, event.id)
                        outcomes.append("duplicate")
                        continue
                    with correlation_scope(event.correlationid):
                        handler(session, event)
                    seen.add(event.id)
                    done.append({"consumer": consumer, "event_id": event.id, "event_type": event.type,
                                 "processed_at": utc_now()})
                    outcomes.append("processed")
                # The emails go in claimed when the senders have room: they take them from memory
                # after the commit, without a claim (a transaction) per wake-up.
                queued = self.sent_log.flush(session, handoff=self.pool)
                handed = session.info.pop(HANDED, None)
                if done and not prepared:  # on PostgreSQL the rows went in first (INBOX_CLAIM_WITH_ACCOUNTS)
                    session.execute(table.insert(), done)
        except Exception as exc:  # noqa: BLE001 - every event is handled again on its own
            if handed:
                self.pool.release(handed[0])
            logger.info("a batch of %d events failed (%s: %s); handling them one by one", len(batch),
                        type(exc).__name__, str(exc).splitlines()[0] if str(exc) else "")
            return False
        if handed:
            self.pool.hand(*handed)
        elif queued:
            self.wake_senders()
        queue = self.topology.queue_name
        each = (time.perf_counter() - started) / len(batch)
        for (_body, message), outcome in zip(batch, outcomes):
            message.ack()
            metrics.HANDLING.labels(queue).observe(each)
            metrics.CONSUMED.labels(queue, outcome).inc()
        if len(batch) == 1:
            event = events[0][0]
            if outcomes[0] == "processed":
                with correlation_scope(event.correlationid):
                    logger.info("processed %s %s", event.type, event.id)
        else:
            logger.info("processed a batch of %d events", len(batch))
        return True

    def run(self, *args, **kwargs):
        stop = threading.Event()
        threads = self.pool.start(stop)
        try:
            return super().run(*args, **kwargs)
        finally:
            # A stop lets the email in hand be sent and recorded; the rest go back to the spool.
            stop.set()
            self.pool.stopping()
            deadline = time.monotonic() + 60
            for thread in threads:
                thread.join(timeout=max(0.0, deadline - time.monotonic()))


def build_worker(settings: Settings) -> NotifierWorker:
    """A Worker wired to the notifier's database, spool sender and handlers (connects only when run)."""
    engine = make_engine(settings.database_url)
    session_factory = make_session_factory(engine)
    # On SQLite (``make run``) one session: its writes (each session records its own outcomes) would
    # wait on one another's locks.
    sessions = settings.smtp_sessions if engine.dialect.name == "postgresql" else 1
    senders = [Sender(engine, make_channel(settings.smtp_url, timeout=settings.smtp_timeout), settings.spool_policy)
               for _ in range(sessions)]
    sent_log = SentLog()
    mailer = Mailer(sent_log, settings.sender)
    handlers = Handlers(mailer, settings.public_url, settings.replies).table()
    return NotifierWorker(
        settings.amqp_url,
        topology(settings),
        handlers,
        session_factory,
        Inbox(inbox, CONSUMER),
        prefetch=settings.prefetch,
        batch_wait=settings.batch_wait,
        sender=senders[0],
        more_senders=tuple(senders[1:]),
        sent_log=sent_log,
    )


# Seconds a thread holds the interpreter while another waits for it (CPython's default is 0.005).
SWITCH_INTERVAL = 0.0005


def prefer_waiting_threads(interval: float = SWITCH_INTERVAL) -> None:
    """Hand the interpreter over sooner to a thread that waits for it.

    An SMTP session thread needs the interpreter back after each of an email's four round trips;
    while the consumer composes a backlog it holds it for the whole default interval each time, so
    one session sent half the emails per second an smtplib loop alone does (the convoy effect).
    """
    sys.setswitchinterval(interval)


def main() -> None:
    """Entry point: read settings, log JSON lines, consume until SIGTERM."""
    settings = Settings.from_env()
    configure_logging("notifier", settings.log_level, settings.log_json)
    prefer_waiting_threads()
    run_worker(build_worker(settings))


if __name__ == "__main__":
    main()
