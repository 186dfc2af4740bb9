"""Unit of work: one session, one transaction; state and outbox rows commit together."""
from __future__ import annotations

from contextlib import contextmanager
from typing import Callable, Iterable, Iterator

from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session, sessionmaker

from common.events import CloudEvent
from common.outbox import Outbox

from .accounts import AccountRepository
from .attachments import AttachmentRepository
from .desks import DeskRepository
from .people import PeopleRepository
from .tickets import TicketRepository


class ReadOnlyWork(RuntimeError):
    """A use case tried to commit in a unit of work opened for reading."""


# On PostgreSQL a read runs its statements outside any transaction block: at READ COMMITTED, the
# default here, every statement of a transaction takes its own snapshot anyway, so BEGIN and
# ROLLBACK would only cost two round trips. SQLite keeps its transaction (no round trips there).
_READING = {"isolation_level": "AUTOCOMMIT"}


def _outside_transactions(session: Session) -> None:
    """Run the session's statements outside a transaction block (PostgreSQL only)."""
    if session.get_bind().dialect.name == "postgresql":
        session.connection(execution_options=_READING)


@contextmanager
def reading(session_factory: sessionmaker[Session]) -> Iterator[Session]:
    """A session for a few reads and nothing else (outside a transaction block on PostgreSQL)."""
    session = session_factory()
    try:
        _outside_transactions(session)
        yield session
    finally:
        session.close()


class UnitOfWork:
    def __init__(self, session_factory: sessionmaker[Session], outbox: Outbox,
                 on_begin: Callable[["UnitOfWork"], None] | None = None, read_only: bool = False):
        self.session_factory = session_factory
        self.outbox = outbox
        self.session: Session | None = None
        self.owns_transaction = True
        # Opened by a request that changes nothing (GET): no transaction block on PostgreSQL, and a
        # commit is refused rather than run statement by statement.
        self.read_only = read_only
        # Runs first in every transaction (the web caller's check: active, replica row, organisations),
        # so a request costs one transaction, not one per concern.
        self.on_begin = on_begin
        # Set by on_begin: the caller as a Viewer, their replica row and organisation names.
        self.viewer = None
        self.caller_account = None
        self.caller_organizations: dict[int, str] = {}
        self.keep_on_exit = False  # on_begin wrote something a read-only use case must still commit

    def __enter__(self) -> "UnitOfWork":
        if not self.owns_transaction:
            return self
        for attempt in (1, 2):
            self._attach(self.session_factory())
            self.viewer, self.caller_account, self.caller_organizations, self.keep_on_exit = None, None, {}, False
            try:
                if self.read_only:
                    _outside_transactions(self.session)
                if self.on_begin is not None:
                    self.on_begin(self)
                break
            except DBAPIError as error:
                self.__exit__()
                # The first statement met a connection the server had dropped: nothing was done
                # yet, so the transaction starts again once on a fresh connection.
                if attempt == 2 or not error.connection_invalidated:
                    raise
            except BaseException:
                self.__exit__()
                raise
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
            if self.keep_on_exit and not any(exc):
                self.session.commit()
            self.session.rollback()  # no-op after a commit; undoes everything after an error
        finally:
            self.session.close()

    def publish(self, events: Iterable[CloudEvent]) -> None:
        """Queue integration events in this transaction's outbox."""
        self.outbox.add(self.session, events)

    @contextmanager
    def committing(self) -> Iterator[None]:
        """Run the block, then commit (in a transaction someone else owns: flush).

        The block's statements go one by one, not in psycopg's pipeline mode: measured on the create
        (bench/profiles/tc.md), a pipeline cost the driver and PostgreSQL more CPU per transaction than
        the round trip it saved (one, while the desk's counter is locked).
        """
        if not self.owns_transaction:
            yield
            self.session.flush()
            return
        if self.read_only:
            raise ReadOnlyWork("this unit of work was opened for reading")
        yield
        self.session.commit()

    def commit(self) -> None:
        if self.read_only:
            raise ReadOnlyWork("this unit of work was opened for reading")
        if self.owns_transaction:
            self.session.commit()
        else:
            self.session.flush()
