"""Transactional outbox: events are rows written in the same transaction as the state change.

A relay process claims a batch of unpublished rows (``FOR UPDATE SKIP LOCKED`` on PostgreSQL, so
several relays share the work and never publish the same row), publishes them with broker confirms
and marks the confirmed ones sent in the claim's own commit. If the broker is down the rows wait;
nothing is lost and the web request never touches AMQP.

What is guaranteed, and where the limits are:

- **At least once.** A row is marked only after the broker confirmed it. A relay that dies, or a
  database that fails, between the confirm and the commit of the mark publishes that batch again
  on the next claim: consumers dedupe by event id (``common.inbox``). Marks are committed with the
  database's normal durability (``synchronous_commit`` stays on), so a database crash never forgets
  a mark it acknowledged.
- **A failure never undoes a confirm.** Rows the broker confirmed are marked in the same commit
  that records the failure of the row that did not make it.
- **A row that keeps failing is parked**, not retried for ever: after ``max_attempts`` failures it
  gets ``parked_at`` and the relay goes on with the rows behind it (which never wait for it: a
  failed row waits ``retry_base * 2**attempts`` seconds while later rows go ahead). Parked rows are
  counted (``Relay.stats``), listed and replayed with ``python -m <service>.cli outbox ...``
  (``common.outbox_cli``).
- A broker that cannot be reached at all blames no row: the relay backs off and tries again.
- **Order.** Rows are published in id order, batch after batch on one channel (``run_pipelined``
  claims the next batch while one is in flight). After a failure, the rows of that batch the broker
  did not confirm go again after the batch already claimed: consumers dedupe, they do not rely on
  order across a failure.
"""
from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass, field
from datetime import timedelta, timezone
from typing import Callable, Iterable, Sequence

from sqlalchemy import (
    Column, DateTime, Engine, Index, Integer, MetaData, String, Table, Text, and_, func, or_, select, update,
)
from sqlalchemy.orm import Session

from . import metrics
from .db import Prepared
from .events import CloudEvent, utc_now

logger = logging.getLogger(__name__)
METRICS_INTERVAL = 5.0  # seconds between two backlog measurements (one query each)

MAX_ATTEMPTS = 10
RETRY_BASE = 1.0
RETRY_MAX = 300.0
LINGER = 0.1


def outbox_table(metadata: MetaData) -> Table:
    """Declare the ``outbox`` table in a service's metadata (its migrations create it)."""
    table = Table(
        "outbox",
        metadata,
        Column("id", Integer, primary_key=True, autoincrement=True),
        Column("event_id", String(64), nullable=False, unique=True),
        Column("exchange", String(200), nullable=False),
        Column("routing_key", String(200), nullable=False),
        Column("body", Text, nullable=False),
        Column("created_at", DateTime(timezone=True), nullable=False, default=utc_now),
        Column("published_at", DateTime(timezone=True), nullable=True),
        # Failed publishes of this row (reset by a replay), the last one's reason, and when it may
        # be tried again; a row with parked_at set is left alone until someone replays it.
        Column("attempts", Integer, nullable=False, default=0),
        Column("last_error", Text, nullable=True),
        Column("next_attempt_at", DateTime(timezone=True), nullable=True),
        Column("parked_at", DateTime(timezone=True), nullable=True),
    )
    # What the relay claims: only the rows still to publish, in id order.
    Index("ix_outbox_pending", table.c.id, postgresql_where=table.c.published_at.is_(None),
          sqlite_where=table.c.published_at.is_(None))
    return table


class Outbox:
    """Writes events into the caller's transaction; the caller's unit of work commits them."""

    def __init__(self, table: Table, exchange: str):
        self.table = table
        self.exchange = exchange
        # Built once (every write of a web request runs it); inline: no id read back.
        self._insert = Prepared(table.insert().inline(), returns_rows=False, column_keys=(
            "event_id", "exchange", "routing_key", "body", "created_at", "attempts"))

    def add(self, session: Session, events: Iterable[CloudEvent]) -> None:
        rows = [
            {
                "event_id": ev.id,
                "exchange": self.exchange,
                "routing_key": ev.routing_key,
                "body": ev.to_json(),
                "created_at": utc_now(),
                "attempts": 0,
            }
            for ev in events
        ]
        if rows:
            self._insert.run(session, rows)


@dataclass(frozen=True)
class Outgoing:
    exchange: str
    routing_key: str
    body: str
    message_id: str


@dataclass
class BatchResult:
    """Which messages of a batch the broker confirmed, and why the others were not."""

    confirmed: list[int] = field(default_factory=list)
    failed: dict[int, str] = field(default_factory=dict)  # index -> reason: the message's own fault
    unconfirmed_error: str | None = None  # the link failed mid-batch: the rest are not confirmed


class BrokerUnavailable(Exception):
    """The broker could not be reached before anything was published: no row is to blame."""


PublishFn = Callable[[str, str, str, str], None]  # (exchange, routing_key, body, message_id)
PublishBatchFn = Callable[[Sequence[Outgoing]], BatchResult]


def one_by_one(publish: PublishFn) -> PublishBatchFn:
    """A batch publisher from a one-message publisher that raises unless the broker confirmed."""

    def publish_batch(messages: Sequence[Outgoing]) -> BatchResult:
        result = BatchResult()
        for index, msg in enumerate(messages):
            try:
                publish(msg.exchange, msg.routing_key, msg.body, msg.message_id)
            except Exception as exc:
                result.failed[index] = str(exc) or type(exc).__name__
                break
            result.confirmed.append(index)
        return result

    return publish_batch


def relay_options(prefix: str = "", environ=None) -> dict:
    """Relay tuning from the environment: ``OUTBOX_BATCH_SIZE`` (500), ``OUTBOX_MAX_ATTEMPTS`` (10),
    ``OUTBOX_RETRY_BASE`` (1 s, doubled per failure), ``OUTBOX_RETRY_MAX`` (300 s) and
    ``OUTBOX_LINGER`` (seconds a caught-up relay waits before its next claim; see ``Relay``)."""
    from .config import Env

    env = Env(prefix=prefix, environ=environ)
    return {
        "batch_size": env("OUTBOX_BATCH_SIZE", int, 500),
        "max_attempts": env("OUTBOX_MAX_ATTEMPTS", int, MAX_ATTEMPTS),
        "retry_base": env("OUTBOX_RETRY_BASE", float, RETRY_BASE),
        "retry_max": env("OUTBOX_RETRY_MAX", float, RETRY_MAX),
        "linger": env("OUTBOX_LINGER", float, LINGER),
    }


@dataclass
class _Claim:
    conn: object
    trans: object
    rows: list


class Relay:
    """Publishes pending outbox rows in id order; marks each only after the broker confirmed it."""

    def __init__(self, engine: Engine, table: Table, publish: PublishFn | object, batch_size: int = 500,
                 max_attempts: int = MAX_ATTEMPTS, retry_base: float = RETRY_BASE, retry_max: float = RETRY_MAX,
                 pipelined: bool = True, linger: float = 0.0):
        self.engine = engine
        self.table = table
        self.publish = publish
        owner = getattr(publish, "__self__", publish)
        batch = getattr(owner, "publish_batch", None)
        self.publish_batch: PublishBatchFn = batch if callable(batch) else one_by_one(publish)  # type: ignore[arg-type]
        self.batch_size = batch_size
        self.max_attempts = max_attempts
        self.retry_base = retry_base
        self.retry_max = retry_max
        self._lock_rows = engine.dialect.name == "postgresql"
        # Claim and mark beside the publishing (``run_pipelined``); only with row locks, which keep
        # two claims of one relay apart as they keep two relays apart.
        self.pipelined = pipelined
        # After a batch smaller than ``batch_size`` (the relay has caught up) the next claim waits
        # this long. Claiming again at once found a row or two, then nothing, then waited ``idle``:
        # at a steady 300 events/s that was 14 rows a claim and 110 ms from commit to publish at
        # the median; 0.1 s gives 31 rows a claim, 0.65x the relay's CPU per event and 63 ms
        # (bench/profiles/rl.md). A backlog goes out in full batches, without waiting.
        self.linger = linger
        self.parked_total = 0  # parked by this process (``stats`` counts them all)

    def _claim_query(self, now):
        t = self.table
        query = (
            select(t.c.id, t.c.exchange, t.c.routing_key, t.c.body, t.c.event_id, t.c.attempts)
            .where(t.c.published_at.is_(None), t.c.parked_at.is_(None),
                   or_(t.c.next_attempt_at.is_(None), t.c.next_attempt_at <= now))
            .order_by(t.c.id)
            .limit(self.batch_size)
        )
        if self._lock_rows:
            # Several relays may run; SKIP LOCKED lets each claim different rows, and the lock is
            # held until the marks commit, so no two relays ever publish the same row.
            query = query.with_for_update(skip_locked=True)
        return query

    def run_once(self) -> int:
        """Publish one batch; return how many rows were confirmed. Raises when the broker cannot be reached."""
        with self.engine.begin() as conn:
            rows = conn.execute(self._claim_query(utc_now())).all()
            if not rows:
                return 0
            return self._settle(conn, rows, self._publish(rows))

    def _publish(self, rows) -> BatchResult:
        return self.publish_batch([Outgoing(r.exchange, r.routing_key, r.body, r.event_id) for r in rows])

    def _settle(self, conn, rows, result: BatchResult) -> int:
        """Mark the confirmed rows and record the failures, in the claim's transaction (``conn``)."""
        t = self.table
        now = utc_now()
        confirmed = [rows[i].id for i in result.confirmed]
        if confirmed:
            conn.execute(update(t).where(t.c.id.in_(confirmed)).values(published_at=now, last_error=None))
            for i in result.confirmed:
                metrics.RELAY_PUBLISHED.labels(rows[i].exchange).inc()
        failed = dict(result.failed)
        if result.unconfirmed_error:
            # The link broke mid-batch. The first message not confirmed is the likeliest cause
            # (a message the broker refuses closes the channel): it waits before its next try,
            # so it cannot hold back the rows behind it; the others go again at once.
            done = set(result.confirmed) | set(failed)
            first = next((i for i in range(len(rows)) if i not in done), None)
            if first is not None:
                failed[first] = result.unconfirmed_error
        if failed:
            metrics.RELAY_FAILURES.inc()
        for index, reason in failed.items():
            self._record_failure(conn, rows[index], reason, now)
        return len(confirmed)

    def _open_claim(self) -> "_Claim":
        """Claim a batch in a transaction of its own, left open: the rows stay locked until it commits."""
        conn = self.engine.connect()
        try:
            trans = conn.begin()
            # A backlog built faster than autovacuum analyses the table leaves the planner thinking a
            # handful of rows are pending: it then reads them all by bitmap and sorts them, per batch.
            # Walking ix_outbox_pending in id order stops after one batch, whatever the statistics say.
            conn.exec_driver_sql("SET LOCAL enable_bitmapscan = off")
            rows = conn.execute(self._claim_query(utc_now())).all()
        except BaseException:
            conn.close()
            raise
        return _Claim(conn, trans, rows)

    def _open_claim_after(self, stop: threading.Event, delay: float) -> "_Claim":
        stop.wait(delay)
        return self._open_claim()

    @staticmethod
    def _finish(claim: "_Claim", settle: Callable[[], int] | None = None) -> int:
        """Run ``settle`` in the claim's transaction and commit it; without one, roll back (nothing published)."""
        try:
            if settle is None:
                claim.trans.rollback()
                return 0
            sent = settle()
            claim.trans.commit()
            return sent
        finally:
            claim.conn.close()

    def run_pipelined(self, stop: threading.Event, idle: float = 0.2, max_backoff: float = 10.0) -> None:
        """``run_forever`` on PostgreSQL: the next batch is claimed, and the last one marked, while
        the current one is published and confirmed.

        A claim is a transaction of its own holding its rows (``FOR UPDATE SKIP LOCKED``), so the
        claim of the next batch skips the rows of the batch in flight, as a second relay would;
        confirmed rows are still marked in their claim's own commit. The claims and the marks run
        in two threads beside the publishing (one claims, in order; one marks); batches
        are published one after another on the one channel, so the broker receives them in claim
        order. If the relay stops or dies between a confirm and its mark, that batch is published
        again (at least once, as ``run_once``).
        """
        from concurrent.futures import ThreadPoolExecutor

        from .runtime import beat

        backoff = idle
        measured = 0.0
        pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="outbox-claims")
        # The marks have a thread of their own: a claim never waits for the last batch's commit.
        marks = ThreadPoolExecutor(max_workers=1, thread_name_prefix="outbox-marks")
        ahead = None  # the next batch's claim, running
        marking = None  # the last batch's marks, running
        try:
            while not stop.is_set():
                beat()
                if time.monotonic() - measured > METRICS_INTERVAL:
                    measured = time.monotonic()
                    self.measure_backlog()
                claim = None
                try:
                    claim = (ahead or pool.submit(self._open_claim)).result()
                    ahead = None
                    if not claim.rows:
                        self._finish(claim)
                        if marking is not None:
                            marking, done = None, marking
                            done.result()
                        backoff = idle
                        stop.wait(idle)
                        continue
                    caught_up = self.linger > 0 and len(claim.rows) < self.batch_size
                    ahead = pool.submit(self._open_claim_after, stop, self.linger) if caught_up \
                        else pool.submit(self._open_claim)
                    result = self._publish(claim.rows)
                    current, claim = claim, None
                    previous, marking = marking, marks.submit(
                        self._finish, current, lambda c=current, r=result: self._settle(c.conn, c.rows, r))
                    if previous is not None:
                        previous.result()
                    backoff = idle
                except Exception as exc:  # broker or database down: wait and try again, lose nothing
                    if claim is not None:
                        self._quietly(pool.submit(self._finish, claim))
                    ahead = self._drop(pool, ahead)
                    if marking is not None:
                        marking, done = None, marking
                        self._quietly(done)
                    logger.warning("outbox relay failed, retrying in %.1fs: %s", backoff, exc)
                    stop.wait(backoff)
                    backoff = min(max_backoff, backoff * 2)
        finally:
            self._drop(pool, ahead)
            if marking is not None:
                self._quietly(marking)
            pool.shutdown(wait=True)
            marks.shutdown(wait=True)

    def _drop(self, pool, ahead) -> None:
        """Give back a claim made ahead and not published (roll it back: its rows are free again)."""
        if ahead is not None:
            try:
                claim = ahead.result()
            except Exception:  # noqa: BLE001 - the claim failed: nothing is held
                return None
            self._quietly(pool.submit(self._finish, claim))
        return None

    @staticmethod
    def _quietly(future) -> None:
        try:
            future.result()
        except Exception as exc:  # noqa: BLE001 - its rows stay unmarked and are published again
            logger.warning("outbox relay could not finish a batch (it will be published again): %s", exc)

    def _record_failure(self, conn, row, reason: str, now) -> None:
        t = self.table
        attempts = row.attempts + 1
        values = {"attempts": attempts, "last_error": reason[:2000]}
        if attempts >= self.max_attempts:
            values["parked_at"] = now
            self.parked_total += 1
            logger.error("outbox row %s (event %s, %s) parked after %d failed publishes: %s",
                         row.id, row.event_id, row.routing_key, attempts, reason)
        else:
            delay = min(self.retry_max, self.retry_base * 2 ** (attempts - 1))
            values["next_attempt_at"] = now + timedelta(seconds=delay)
            logger.warning("outbox row %s (event %s) failed to publish (attempt %d), next try in %.0fs: %s",
                           row.id, row.event_id, attempts, delay, reason)
        conn.execute(update(t).where(t.c.id == row.id).values(**values))

    def pending(self) -> int:
        """Number of rows not yet published and not parked (exported for readiness and metrics)."""
        return self.stats()["pending"]

    def stats(self) -> dict[str, int]:
        """Counts of rows ``pending`` (including those waiting to retry), ``retrying`` and ``parked``."""
        t = self.table
        unpublished = t.c.published_at.is_(None)
        with self.engine.connect() as conn:
            row = conn.execute(select(
                func.count().filter(and_(unpublished, t.c.parked_at.is_(None))),
                func.count().filter(and_(unpublished, t.c.parked_at.is_(None), t.c.attempts > 0)),
                func.count().filter(and_(unpublished, t.c.parked_at.is_not(None))),
            ).select_from(t)).one()
        return {"pending": row[0], "retrying": row[1], "parked": row[2]}

    def measure_backlog(self) -> None:
        """Set the backlog gauges (pending rows, age of the oldest); a failure only logs."""
        from sqlalchemy import func

        t = self.table
        try:
            with self.engine.connect() as conn:
                count, oldest = conn.execute(
                    select(func.count(), func.min(t.c.created_at))
                    .where(t.c.published_at.is_(None), t.c.parked_at.is_(None))
                ).one()
        except Exception as exc:  # the database is down: the loop reports it, keep the last values
            logger.debug("cannot measure the outbox backlog: %s", exc)
            return
        metrics.OUTBOX_PENDING.set(count)
        if oldest is not None and oldest.tzinfo is None:
            oldest = oldest.replace(tzinfo=timezone.utc)
        metrics.OUTBOX_OLDEST.set((utc_now() - oldest).total_seconds() if oldest else 0)

    def run_forever(self, stop: threading.Event, idle: float = 0.2, max_backoff: float = 10.0) -> None:
        """Poll until ``stop`` is set, backing off exponentially while the broker or database is unavailable."""
        if self.pipelined and self._lock_rows:
            return self.run_pipelined(stop, idle, max_backoff)
        from .runtime import beat

        backoff = idle
        measured = 0.0
        while not stop.is_set():
            beat()
            if time.monotonic() - measured > METRICS_INTERVAL:
                measured = time.monotonic()
                self.measure_backlog()
            try:
                sent = self.run_once()
                backoff = idle
                if sent:
                    continue
            except Exception as exc:  # broker or database down: wait and try again, lose nothing
                logger.warning("outbox relay failed, retrying in %.1fs: %s", backoff, exc)
                stop.wait(backoff)
                backoff = min(max_backoff, backoff * 2)
                continue
            stop.wait(idle)
