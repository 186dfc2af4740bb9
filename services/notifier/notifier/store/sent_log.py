"""The mail spool's writing side: one row per (event, recipient), queued in the handler's transaction."""
from __future__ import annotations

import functools
import logging

from sqlalchemy import select, text
from sqlalchemy.orm import Session

from common.db import Prepared
from common.events import utc_now

from ..domain.batching import correlation_key
from .tables import sent_mail

logger = logging.getLogger(__name__)


BUFFER = "notifier.spool"  # session.info key: emails queued in this transaction, not yet inserted
HANDED = "notifier.handed"  # session.info key: (emails reserved, rows inserted "sending") for the senders
_COLUMNS = ("event_id", "recipient", "message_id", "kind", "correlation_id", "ticket_key", "status", "message",
            "created_at", "next_attempt_at", "attempts", "resent", "sending_since")
_ROWS_PER_INSERT = 128


@functools.lru_cache(maxsize=_ROWS_PER_INSERT)
def _values_insert(count: int) -> Prepared:
    """The spool's INSERT of ``count`` rows, one text per count (a few counts recur: an event queues one
    to a few emails), its parameters scalars typed by their columns. With one array per column the
    driver inferred each array's type from its items, a dozen times per batch: converting a 2-row
    insert's parameters took 117 µs that way, 5 µs this way (bench/profiles/nt4/convert_micro.py)."""
    rows = ", ".join("(" + ", ".join(f":{c}_{n}" for c in _COLUMNS) + ")" for n in range(count))
    return Prepared(text(f"INSERT INTO sent_mail ({', '.join(_COLUMNS)}) VALUES {rows} "
                         "ON CONFLICT (event_id, recipient) DO NOTHING RETURNING event_id, recipient"),
                    returns_rows=True)


class SentLog:
    """Queues emails with the event's inbox row, so an event is mailed to each recipient at most once.

    In a transaction that ``buffer`` was called on (the worker's batches of events), the emails are
    kept in memory and ``flush`` inserts them all in one statement before the commit: one round trip
    for the batch's emails instead of one per email. Every lookup of the spool in that transaction
    (``already_sent``, ``sent_in_action``) sees the buffered emails too.
    """

    @staticmethod
    def buffer(session: Session) -> None:
        session.info.setdefault(BUFFER, {})

    def flush(self, session: Session, handoff=None) -> int:
        """Insert the buffered emails (one statement); return how many were new.

        With a ``handoff`` (the process's ``SenderPool``) that has room for them, they go in already
        claimed, "sending", as its claim would have left them: the senders take them from memory once
        this transaction commits, without a claim of their own (``session.info[HANDED]``)."""
        pending = session.info.get(BUFFER)
        if not pending:
            return 0
        rows = list(pending.values())
        pending.clear()
        reserved = len(rows) if handoff is not None and handoff.reserve(len(rows)) else 0
        if reserved:
            now = utc_now()
            rows = [{**r, "status": "sending", "sending_since": now, "attempts": 1} for r in rows]
        try:
            inserted = self._insert_rows(session, rows)
        except BaseException:
            if reserved:
                handoff.release(reserved)
            raise
        if reserved:
            session.info[HANDED] = (reserved, [r for r in rows if (r["event_id"], r["recipient"]) in inserted])
        return len(inserted)

    def _insert_rows(self, session: Session, rows: list[dict]) -> set:
        dialect = session.get_bind().dialect.name
        statement = self._insert(dialect)
        if statement is None:  # pragma: no cover - neither of the two databases the notifier runs on
            fresh = [r for r in rows if not self._stored(session, r["event_id"], r["recipient"])]
            if fresh:
                session.execute(sent_mail.insert(), fresh)
            return {(r["event_id"], r["recipient"]) for r in fresh}
        if dialect == "postgresql" and session.get_bind().dialect.driver == "psycopg":
            # Run on the driver, one statement per (up to) 128 rows, its text built once per count.
            inserted = set()
            for start in range(0, len(rows), _ROWS_PER_INSERT):
                chunk = rows[start:start + _ROWS_PER_INSERT]
                params = {f"{c}_{n}": row[c] for n, row in enumerate(chunk) for c in _COLUMNS}
                inserted.update(tuple(r) for r in _values_insert(len(chunk)).run(session, params))
        else:
            inserted = set(session.execute(statement.returning(sent_mail.c.event_id, sent_mail.c.recipient),
                                           rows).tuples())
        for row in rows:
            if (row["event_id"], row["recipient"]) not in inserted:
                logger.info("skipping %s for event %s: already sent to this recipient", row["kind"], row["event_id"])
        return inserted

    def already_sent(self, session: Session, event_id: str, recipient: str) -> bool:
        """True if an email about ``event_id`` to ``recipient`` was queued already (whatever became of it)."""
        if (event_id, recipient.lower()) in session.info.get(BUFFER, {}):
            return True
        return self._stored(session, event_id, recipient)

    @staticmethod
    def _stored(session: Session, event_id: str, recipient: str) -> bool:
        return session.execute(
            select(sent_mail.c.event_id).where(
                sent_mail.c.event_id == event_id, sent_mail.c.recipient == recipient.lower()
            )
        ).first() is not None

    def sent_in_action(self, session: Session, correlation_id: str, ticket_key: str, recipient: str,
                       kind: str) -> bool:
        """True if ``recipient`` already has a ``kind`` email about ``ticket_key`` from this action."""
        correlation = correlation_key(correlation_id)
        for row in session.info.get(BUFFER, {}).values():
            if (row["correlation_id"] == correlation and row["recipient"] == recipient.lower()
                    and row["ticket_key"] == ticket_key and row["kind"] == kind):
                return True
        return session.execute(
            select(sent_mail.c.event_id).where(
                sent_mail.c.correlation_id == correlation_key(correlation_id),
                sent_mail.c.recipient == recipient.lower(),
                sent_mail.c.ticket_key == ticket_key,
                sent_mail.c.kind == kind,
            ).limit(1)
        ).first() is not None

    def queue(self, session: Session, event_id: str, recipient: str, message_id: str, kind: str, message: bytes,
              correlation_id: str | None = None, ticket_key: str | None = None) -> bool:
        """Add the email to the spool in the caller's transaction; the sender picks it up once it commits.

        False (and nothing written) when this event already queued an email to this recipient: one
        statement both checks and writes (``ON CONFLICT DO NOTHING`` on the (event, recipient) key).
        """
        now = utc_now()
        params = {"event_id": event_id, "recipient": recipient.lower(), "message_id": message_id, "kind": kind,
                  "correlation_id": correlation_key(correlation_id), "ticket_key": ticket_key, "status": "queued",
                  "message": message, "created_at": now, "next_attempt_at": now, "attempts": 0, "resent": 0,
                  "sending_since": None}
        pending = session.info.get(BUFFER)
        if pending is not None:
            key = (event_id, recipient.lower())
            if key in pending:
                return False
            pending[key] = params
            return True
        statement = self._insert(session.get_bind().dialect.name)
        if statement is None:  # pragma: no cover - neither of the two databases the notifier runs on
            if self.already_sent(session, event_id, recipient):
                return False
            session.execute(sent_mail.insert(), params)
            return True
        return session.execute(statement, params).rowcount == 1

    def _insert(self, dialect: str):
        """The queueing statement for ``dialect``, built once (building it per email cost more than running it)."""
        cache = self.__dict__.setdefault("_statements", {})
        if dialect not in cache:
            if dialect == "postgresql":
                from sqlalchemy.dialects.postgresql import insert
            elif dialect == "sqlite":
                from sqlalchemy.dialects.sqlite import insert
            else:  # pragma: no cover
                cache[dialect] = None
                return None
            cache[dialect] = insert(sent_mail).on_conflict_do_nothing(index_elements=["event_id", "recipient"])
        return cache[dialect]
