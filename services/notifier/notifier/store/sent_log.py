"""The mail spool's writing side: one row per (event, recipient), queued in the handler's transaction."""
from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from common.events import utc_now

from ..domain.batching import correlation_key
from .tables import sent_mail


class SentLog:
    """Queues emails with the event's inbox row, so an event is mailed to each recipient at most once."""

    def already_sent(self, session: Session, event_id: str, recipient: str) -> bool:
        """True if an email about ``event_id`` to ``recipient`` was queued already (whatever became of it)."""
        return session.execute(
            select(sent_mail.c.event_id).where(
                sent_mail.c.event_id == event_id, sent_mail.c.recipient == recipient.lower()
            )
        ).first() is not None

    def sent_in_action(self, session: Session, correlation_id: str, ticket_key: str, recipient: str,
                       kind: str) -> bool:
        """True if ``recipient`` already has a ``kind`` email about ``ticket_key`` from this action."""
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
                  "message": message, "created_at": now, "next_attempt_at": now, "attempts": 0, "resent": 0}
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
