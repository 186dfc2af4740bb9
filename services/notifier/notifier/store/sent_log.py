"""The mail spool's writing side: one row per (event, recipient), queued in the handler's transaction."""
from __future__ import annotations

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
_TYPES = {"event_id": "varchar", "recipient": "varchar", "message_id": "varchar", "kind": "varchar",
          "correlation_id": "varchar", "ticket_key": "varchar", "status": "varchar", "message": "bytea",
          "created_at": "timestamptz", "next_attempt_at": "timestamptz", "attempts": "integer", "resent": "integer",
          "sending_since": "timestamptz"}
_COLUMNS = tuple(_TYPES)
_UNNEST = Prepared(text(
    f"INSERT INTO sent_mail ({', '.join(_COLUMNS)}) "
    f"SELECT * FROM unnest({', '.join(f'CAST(:{c} AS {t}[])' for c, t in _TYPES.items())}) "
    "ON CONFLICT (event_id, recipient) DO NOTHING RETURNING event_id, recipient"), returns_rows=True)


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
            # One array per column: the statement's text is the same whatever the number of emails, so
            # the driver converts it once (a many-row VALUES list is converted again on every batch).
            # Run on the driver: the statement's text never changes, so nothing of it is built per batch.
            inserted = {tuple(r) for r in _UNNEST.run(session, {c: [r[c] for r in rows] for c in _COLUMNS})}
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
