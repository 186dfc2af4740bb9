"""Unit of work: one transaction per use case; state and outbox rows commit together."""
from __future__ import annotations

from typing import Callable

from sqlalchemy.orm import Session, sessionmaker

from common.events import CloudEvent
from common.outbox import Outbox

from .repository import Repository


class UnitOfWork:
    """``with uow_factory() as uow: ...; uow.emit(event); uow.commit()`` (rolls back unless committed)."""

    def __init__(self, session_factory: sessionmaker[Session], outbox: Outbox):
        self.session_factory = session_factory
        self.outbox = outbox
        self.events: list[CloudEvent] = []

    def __enter__(self) -> "UnitOfWork":
        self.session = self.session_factory()
        self.repo = Repository(self.session)
        self.events = []
        return self

    def __exit__(self, *exc) -> None:
        try:
            # Detach first: loaded objects stay readable after a read-only use case returns them.
            self.session.expunge_all()
            self.session.rollback()
        finally:
            self.session.close()

    def emit(self, *events: CloudEvent) -> None:
        self.events.extend(events)

    def commit(self) -> None:
        """Write pending outbox rows and commit everything in one transaction."""
        self.session.flush()
        self.outbox.add(self.session, self.events)
        self.events = []
        self.session.commit()

    def savepoint(self, work: Callable[[], None], keep: bool) -> None:
        """Run ``work`` with its writes and outbox rows in a savepoint; release it if ``keep``, else roll it back.

        The forgot-password form rehearses the whole reset for emails with no usable account, so both
        answers cost the same statements, row writes and commit flush, and time does not tell who has one.
        """
        nested = self.session.begin_nested()
        try:
            work()
            self.session.flush()
            self.outbox.add(self.session, self.events)
        except BaseException:
            nested.rollback()
            raise
        finally:
            self.events = []
        if keep:
            nested.commit()
        else:
            nested.rollback()


UowFactory = Callable[[], UnitOfWork]


class SessionUnitOfWork(UnitOfWork):
    """A unit of work inside a transaction its caller owns (the worker's): ``commit`` only flushes state and
    outbox rows, and the caller commits them together with its inbox row."""

    def __init__(self, session: Session, outbox: Outbox):
        super().__init__(None, outbox)  # type: ignore[arg-type]
        self.session = session

    def __enter__(self) -> "SessionUnitOfWork":
        self.repo = Repository(self.session)
        self.events = []
        return self

    def __exit__(self, *exc) -> None:
        self.events = []

    def commit(self) -> None:
        self.session.flush()
        self.outbox.add(self.session, self.events)
        self.events = []
