"""Unit of work: one session, one transaction; state and outbox rows commit together."""
from __future__ import annotations

from typing import Iterable

from sqlalchemy.orm import Session, sessionmaker

from common.events import CloudEvent
from common.outbox import Outbox

from .accounts import AccountRepository
from .attachments import AttachmentRepository
from .desks import DeskRepository
from .people import PeopleRepository
from .tickets import TicketRepository


class UnitOfWork:
    def __init__(self, session_factory: sessionmaker[Session], outbox: Outbox):
        self.session_factory = session_factory
        self.outbox = outbox
        self.session: Session | None = None
        self.owns_transaction = True

    def __enter__(self) -> "UnitOfWork":
        if self.owns_transaction:
            self._attach(self.session_factory())
        return self

    @classmethod
    def within(cls, session: Session, outbox: Outbox) -> "UnitOfWork":
        """Repositories on a transaction someone else owns (the worker's, with its inbox row).

        Use cases run on it unchanged: entering keeps the session, ``commit`` only flushes, and
        the owner commits or rolls back everything, its inbox row included, at once.
        """
        uow = cls(None, outbox)
        uow.owns_transaction = False
        uow._attach(session)
        return uow

    def _attach(self, session: Session) -> None:
        self.session = session
        self.desks = DeskRepository(session)
        self.tickets = TicketRepository(session)
        self.accounts = AccountRepository(session)
        self.attachments = AttachmentRepository(session)
        self.people = PeopleRepository(session)

    def __exit__(self, *exc) -> None:
        if not self.owns_transaction:
            return
        try:
            self.session.rollback()  # no-op after a commit; undoes everything after an error
        finally:
            self.session.close()

    def publish(self, events: Iterable[CloudEvent]) -> None:
        """Queue integration events in this transaction's outbox."""
        self.outbox.add(self.session, events)

    def commit(self) -> None:
        if self.owns_transaction:
            self.session.commit()
        else:
            self.session.flush()
