"""Inbox: the ids of events a consumer has processed, so a redelivered event is handled once.

The row is inserted in the same transaction as the handler's own changes; if the transaction
commits, the event counts as processed, and a redelivery finds the row and is skipped.
"""
from __future__ import annotations

from sqlalchemy import Column, DateTime, MetaData, String, Table, select
from sqlalchemy.orm import Session

from .events import utc_now


def inbox_table(metadata: MetaData) -> Table:
    """Declare the ``inbox`` table in a consumer's metadata."""
    return Table(
        "inbox",
        metadata,
        Column("consumer", String(100), primary_key=True),
        Column("event_id", String(64), primary_key=True),
        Column("event_type", String(200), nullable=False),
        Column("processed_at", DateTime(timezone=True), nullable=False, default=utc_now),
    )


class Inbox:
    def __init__(self, table: Table, consumer: str):
        self.table = table
        self.consumer = consumer

    def seen(self, session: Session, event_id: str) -> bool:
        """True when this consumer already committed the handling of ``event_id``."""
        t = self.table
        return session.execute(
            select(t.c.event_id).where(t.c.consumer == self.consumer, t.c.event_id == event_id)
        ).first() is not None

    def record(self, session: Session, event_id: str, event_type: str) -> None:
        """Mark ``event_id`` processed inside the caller's transaction."""
        session.execute(
            self.table.insert().values(
                consumer=self.consumer, event_id=event_id, event_type=event_type, processed_at=utc_now()
            )
        )

    def seen_among(self, session: Session, event_ids: list[str]) -> set[str]:
        """Those of ``event_ids`` this consumer already committed (one statement for a batch)."""
        t = self.table
        return set(session.scalars(
            select(t.c.event_id).where(t.c.consumer == self.consumer, t.c.event_id.in_(event_ids))))

    def record_all(self, session: Session, events: list[tuple[str, str]]) -> None:
        """Mark every ``(event_id, event_type)`` processed inside the caller's transaction (one statement)."""
        now = utc_now()
        session.execute(self.table.insert(), [
            {"consumer": self.consumer, "event_id": event_id, "event_type": event_type, "processed_at": now}
            for event_id, event_type in events])
