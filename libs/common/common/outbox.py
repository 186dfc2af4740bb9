"""Transactional outbox: events are rows written in the same transaction as the state change.

A relay process claims unpublished rows, publishes each with broker confirms and marks it sent.
If the broker is down the rows simply wait; nothing is lost and the web request never touches AMQP.
Delivery is at-least-once (a crash between confirm and mark republishes), so consumers dedupe by id.
"""
from __future__ import annotations

import logging
import threading
import time
from datetime import timezone
from typing import Callable, Iterable

from sqlalchemy import (
    Column, DateTime, Engine, Integer, MetaData, String, Table, Text, select, update,
)
from sqlalchemy.orm import Session

from . import metrics
from .events import CloudEvent, utc_now

logger = logging.getLogger(__name__)
METRICS_INTERVAL = 5.0  # seconds between two backlog measurements (one query each)


def outbox_table(metadata: MetaData) -> Table:
    """Declare the ``outbox`` table in a service's metadata (its migrations create it)."""
    return Table(
        "outbox",
        metadata,
        Column("id", Integer, primary_key=True, autoincrement=True),
        Column("event_id", String(64), nullable=False, unique=True),
        Column("exchange", String(200), nullable=False),
        Column("routing_key", String(200), nullable=False),
        Column("body", Text, nullable=False),
        Column("created_at", DateTime(timezone=True), nullable=False, default=utc_now),
        Column("published_at", DateTime(timezone=True), nullable=True, index=True),
        Column("attempts", Integer, nullable=False, default=0),
        Column("last_error", Text, nullable=True),
    )


class Outbox:
    """Writes events into the caller's transaction; the caller's unit of work commits them."""

    def __init__(self, table: Table, exchange: str):
        self.table = table
        self.exchange = exchange

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
            session.execute(self.table.insert(), rows)


PublishFn = Callable[[str, str, str, str], None]  # (exchange, routing_key, body, message_id)


class Relay:
    """Publishes pending outbox rows in id order; marks each only after the broker confirmed it."""

    def __init__(self, engine: Engine, table: Table, publish: PublishFn, batch_size: int = 100):
        self.engine = engine
        self.table = table
        self.publish = publish
        self.batch_size = batch_size
        self._lock_rows = engine.dialect.name == "postgresql"

    def run_once(self) -> int:
        """Publish one batch; return how many rows were sent. Raises when the broker fails."""
        t = self.table
        query = (
            select(t.c.id, t.c.exchange, t.c.routing_key, t.c.body, t.c.event_id)
            .where(t.c.published_at.is_(None))
            .order_by(t.c.id)
            .limit(self.batch_size)
        )
        if self._lock_rows:
            # Several relays may run; SKIP LOCKED lets each claim different rows.
            query = query.with_for_update(skip_locked=True)
        sent = 0
        with self.engine.begin() as conn:
            rows = conn.execute(query).all()
            try:
                for row in rows:
                    self.publish(row.exchange, row.routing_key, row.body, row.event_id)
                    metrics.RELAY_PUBLISHED.labels(row.exchange).inc()
                    conn.execute(
                        update(t).where(t.c.id == row.id)
                        .values(published_at=utc_now(), attempts=t.c.attempts + 1)
                    )
                    sent += 1
            except Exception as exc:
                metrics.RELAY_FAILURES.inc()
                # Keep what was confirmed; record the failure on the row that failed.
                failed = rows[sent]
                conn.execute(
                    update(t).where(t.c.id == failed.id)
                    .values(attempts=t.c.attempts + 1, last_error=str(exc)[:2000])
                )
                raise
        return sent

    def pending(self) -> int:
        """Number of rows not yet published (exported for readiness and metrics)."""
        from sqlalchemy import func

        with self.engine.connect() as conn:
            return conn.execute(
                select(func.count()).select_from(self.table).where(self.table.c.published_at.is_(None))
            ).scalar_one()

    def measure_backlog(self) -> None:
        """Set the backlog gauges (pending rows, age of the oldest); a failure only logs."""
        from sqlalchemy import func

        t = self.table
        try:
            with self.engine.connect() as conn:
                count, oldest = conn.execute(
                    select(func.count(), func.min(t.c.created_at)).where(t.c.published_at.is_(None))
                ).one()
        except Exception as exc:  # the database is down: the loop reports it, keep the last values
            logger.debug("cannot measure the outbox backlog: %s", exc)
            return
        metrics.OUTBOX_PENDING.set(count)
        if oldest is not None and oldest.tzinfo is None:
            oldest = oldest.replace(tzinfo=timezone.utc)
        metrics.OUTBOX_OLDEST.set((utc_now() - oldest).total_seconds() if oldest else 0)

    def run_forever(self, stop: threading.Event, idle: float = 0.2, max_backoff: float = 10.0) -> None:
        """Poll until ``stop`` is set, backing off exponentially while the broker is unavailable."""
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
                if sent == self.batch_size:
                    continue
            except Exception as exc:  # broker or database down: wait and try again, lose nothing
                logger.warning("outbox relay failed, retrying in %.1fs: %s", backoff, exc)
                stop.wait(backoff)
                backoff = min(max_backoff, backoff * 2)
                continue
            stop.wait(idle)
