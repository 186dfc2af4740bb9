"""The sent-mail log: which (event, recipient) pairs a channel has already accepted, and for which action."""
from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from common.db import transaction
from common.events import utc_now

from ..domain.batching import correlation_key
from .tables import sent_mail


class SentLog:
    """Recorded in its own short transaction right after each send (see ``mailer`` for why)."""

    def __init__(self, session_factory: sessionmaker[Session]):
        self.session_factory = session_factory

    def already_sent(self, session: Session, event_id: str, recipient: str) -> bool:
        return session.execute(
            select(sent_mail.c.event_id).where(
                sent_mail.c.event_id == event_id, sent_mail.c.recipient == recipient.lower()
            )
        ).first() is not None

    def sent_in_action(self, session: Session, correlation_id: str, ticket_key: str, recipient: str,
                       kind: str) -> bool:
        """True if ``recipient`` already got a ``kind`` email about ``ticket_key`` from this action."""
        return session.execute(
            select(sent_mail.c.event_id).where(
                sent_mail.c.correlation_id == correlation_key(correlation_id),
                sent_mail.c.recipient == recipient.lower(),
                sent_mail.c.ticket_key == ticket_key,
                sent_mail.c.kind == kind,
            ).limit(1)
        ).first() is not None

    def record(self, event_id: str, recipient: str, message_id: str, kind: str,
               correlation_id: str | None = None, ticket_key: str | None = None) -> None:
        """Commit that ``recipient`` was mailed about ``event_id`` (a concurrent duplicate is ignored)."""
        try:
            with transaction(self.session_factory) as session:
                session.execute(
                    sent_mail.insert().values(
                        event_id=event_id, recipient=recipient.lower(), message_id=message_id,
                        kind=kind, sent_at=utc_now(), correlation_id=correlation_key(correlation_id),
                        ticket_key=ticket_key,
                    )
                )
        except IntegrityError:
            pass
