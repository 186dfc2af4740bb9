"""SQLAlchemy 2 engine and session helpers shared by every service.

Engines are created lazily by the app factory or the worker entrypoint, never at import, so a
forked gunicorn worker never shares a connection with its parent.
"""
from __future__ import annotations

import functools
import time
from contextlib import contextmanager
from typing import Iterator

from sqlalchemy import MetaData, create_engine, event, exc, text
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.orm import Session, sessionmaker

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def new_metadata() -> MetaData:
    """Return a MetaData with stable constraint names, so Alembic migrations are reproducible."""
    return MetaData(naming_convention=NAMING_CONVENTION)


def normalise_url(url: str) -> str:
    """Prefer psycopg 3 for PostgreSQL URLs given in the common ``postgresql://`` form."""
    if url.startswith("postgres://"):
        url = "postgresql://" + url[len("postgres://"):]
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://"):]
    return url


def make_engine(url: str, **kwargs) -> Engine:
    """Create an engine; SQLite gets WAL, foreign keys and a busy timeout for multi-threaded use."""
    url = normalise_url(url)
    if url.startswith("sqlite"):
        engine = create_engine(
            url, connect_args={"check_same_thread": False, "timeout": 30}, **kwargs
        )

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_conn, _record):  # pragma: no cover - trivial
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute("PRAGMA busy_timeout=30000")
            cur.close()

        return engine
    kwargs.setdefault("pool_recycle", RECYCLE_SECONDS)
    engine = create_engine(url, **kwargs)
    ping_idle_connections(engine)
    return engine


# A pooled connection is replaced after this long, before servers or proxies drop idle sessions.
RECYCLE_SECONDS = 300
# Only a connection idle longer than this is pinged when checked out: a busy pool never pays a
# round trip per checkout (``pool_pre_ping`` would), while connections that sat through a database
# restart are tested and replaced before a request uses them.
IDLE_PING_SECONDS = 10.0


def ping_idle_connections(engine: Engine, idle_seconds: float = IDLE_PING_SECONDS) -> None:
    """Ping a connection on checkout only when it has been idle; a dead one is replaced by the pool."""

    @event.listens_for(engine, "checkin")
    def _checked_in(_dbapi_conn, record):
        record.info["idle_since"] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def _checked_out(dbapi_conn, record, _proxy):
        since = record.info.get("idle_since")
        if since is None or time.monotonic() - since < idle_seconds:
            return
        try:
            cursor = dbapi_conn.cursor()
            cursor.execute("SELECT 1")
            cursor.close()
            # The ping must not leave a transaction open: a unit of work may set the connection
            # to autocommit, which the driver refuses inside one.
            dbapi_conn.rollback()
        except Exception as error:
            # The pool discards this connection and checks out a fresh one (SQLAlchemy retries).
            raise exc.DisconnectionError() from error


def make_session_factory(engine: Engine) -> sessionmaker[Session]:
    """Return the session factory used by units of work (objects stay usable after commit)."""
    return sessionmaker(bind=engine, expire_on_commit=False)


class ConnectionSession:
    """What the services' repositories use of a ``Session`` (``execute``, ``scalars``, ``connection``,
    ``begin_nested``, ``commit``, ``rollback``, ``close``), on one ``Connection`` checked out on first use.

    No ORM object is ever added to these sessions: every statement is Core, so the ORM's state
    machinery around each call (``Session.connection``, ``commit``'s transaction states) was pure
    cost: ``Session.commit`` alone was 9 % of a created request's profile (bench/profiles/tc2.md). The connection stays
    checked out until ``close``; after a commit or a rollback the next statement begins anew on it.
    """

    def __init__(self, engine: Engine):
        self.bind = engine
        self._connection = None

    def get_bind(self) -> Engine:
        return self.bind

    def connection(self, execution_options: dict | None = None):
        connection = self._connection
        if connection is None:
            connection = self._connection = self.bind.connect()
        if execution_options:
            connection.execution_options(**execution_options)
        if not connection.in_transaction():
            # Begun here, not on the first ``execute``: ``Prepared`` runs on the driver connection, and
            # the commit must still know there is a transaction to commit.
            connection.begin()
        return connection

    def execute(self, statement, params=None, **kwargs):
        return self.connection().execute(statement, params, **kwargs)

    def scalars(self, statement, params=None, **kwargs):
        return self.connection().scalars(statement, params, **kwargs)

    def begin_nested(self):
        return self.connection().begin_nested()

    def flush(self) -> None:
        """Nothing to flush: statements run when executed."""

    def commit(self) -> None:
        if self._connection is not None:
            self._connection.commit()

    def rollback(self) -> None:
        if self._connection is not None:
            self._connection.rollback()

    def close(self) -> None:
        connection, self._connection = self._connection, None
        if connection is not None:
            connection.close()  # back to the pool, rolled back if a transaction was left open

    def __enter__(self) -> "ConnectionSession":
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def make_connection_session_factory(engine: Engine):
    """A factory of ``ConnectionSession`` (called like a ``sessionmaker``)."""
    return functools.partial(ConnectionSession, engine)


@contextmanager
def transaction(factory: sessionmaker[Session]) -> Iterator[Session]:
    """One transaction: commit on success, roll back on any error."""
    session = factory()
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()


def ping(engine: Engine) -> None:
    """Raise if the database does not answer a trivial query."""
    with engine.connect() as conn:
        conn.execute(text("SELECT 1"))


def is_postgres(engine: Engine) -> bool:
    return engine.dialect.name == "postgresql"


def ensure_database(url: str) -> None:
    """Create the PostgreSQL database named in ``url`` if it does not exist (no-op for SQLite)."""
    url = normalise_url(url)
    parsed = make_url(url)
    if not parsed.drivername.startswith("postgresql"):
        return
    admin = create_engine(parsed.set(database="postgres"), isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            exists = conn.execute(
                text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": parsed.database}
            ).scalar()
            if not exists:
                conn.execute(text(f'CREATE DATABASE "{parsed.database}"'))
    finally:
        admin.dispose()


def drop_database(url: str) -> None:
    """Drop the PostgreSQL database named in ``url`` (used by test runs for their throwaway DBs)."""
    parsed = make_url(normalise_url(url))
    if not parsed.drivername.startswith("postgresql"):
        return
    admin = create_engine(parsed.set(database="postgres"), isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{parsed.database}" WITH (FORCE)'))
    finally:
        admin.dispose()




class Prepared:
    """A Core statement compiled once per dialect and run on the session's psycopg connection.

    For the statements a hot path runs on every request: SQLAlchemy's execution context (cache key,
    parameter processing, result metadata, the cursor's description) cost more CPU than PostgreSQL's
    own work on them (bench/profiles/intakefast.md). Parameters go through the columns' bind
    processors as with ``Session.execute``; rows come back as named tuples. The engine's
    ``before_cursor_execute`` listeners still see every statement (statement counts stay true).
    Other drivers (SQLite) run it through ``Session.execute``.
    """

    def __init__(self, statement, returns_rows: bool, column_keys: tuple[str, ...] | None = None):
        self.statement = statement
        self.returns_rows = returns_rows
        # An INSERT's columns: every row must give each of them (column defaults are not applied).
        self.column_keys = list(column_keys) if column_keys is not None else None
        self._compiled: dict[str, tuple] = {}
        self._make_row = None

    def _compile(self, dialect) -> tuple:
        found = self._compiled.get(dialect.name)
        if found is None:
            compiled = self.statement.compile(dialect=dialect, column_keys=self.column_keys)
            if "__[POSTCOMPILE_" in compiled.string:
                # An IN list or a separator the compiler renders per call: rendered once here, so
                # every bind parameter of such a statement needs a value (None will do).
                compiled = self.statement.compile(dialect=dialect, column_keys=self.column_keys,
                                                  compile_kwargs={"render_postcompile": True})
            processors = {}
            for name, bind in compiled.binds.items():
                processor = bind.type.dialect_impl(dialect).bind_processor(dialect)
                if processor is not None:
                    processors[name] = processor
            found = self._compiled[dialect.name] = (compiled.string, compiled.construct_params(_check=False),
                                                    processors)
        return found

    def run(self, session: Session, params: dict | list[dict]) -> list | None:
        """Execute with ``params`` (a list: one statement for every row); the rows if it returns any."""
        connection = session.connection()
        if isinstance(params, list) and len(params) == 1:
            # psycopg runs every executemany as a pipeline, which costs more CPU than it saves for one
            # row (bench/profiles/tc.md).
            params = params[0]
        many = isinstance(params, list)
        if connection.dialect.driver != "psycopg":
            result = session.execute(self.statement, params)
            return result.all() if self.returns_rows else None
        sql, defaults, processors = self._compile(connection.dialect)
        rows = [self._bind(defaults, processors, p) for p in (params if many else [params])]
        values = rows if many else rows[0]
        for listener in connection.dispatch.before_cursor_execute:
            listener(connection, None, sql, values, None, many)
        driver = connection.connection.driver_connection
        driver_error = connection.dialect.loaded_dbapi.Error
        try:
            cursor = driver.cursor(row_factory=self._rows) if self.returns_rows else driver.cursor()
            if many:
                cursor.executemany(sql, values)
            else:
                cursor.execute(sql, values)
            return cursor.fetchall() if self.returns_rows else None
        except driver_error as error:
            raise exc.DBAPIError.instance(sql, values, error, driver_error, dialect=connection.dialect) from error

    def _rows(self, cursor):
        """psycopg's ``namedtuple_row``, its row type kept: a statement's columns never change, and
        looking up the type by the result's column names on every execution was about 4 % of
        ``run`` in a create's profile (bench/profiles/tc2.md)."""
        make = self._make_row
        if make is None:
            from psycopg.rows import namedtuple_row

            make = namedtuple_row(cursor)
            if cursor.description is not None:  # a result with this statement's columns
                self._make_row = make
        return make

    @staticmethod
    def _bind(defaults: dict, processors: dict, given: dict) -> dict:
        values = {**defaults, **given}
        for name, processor in processors.items():
            if values.get(name) is not None:
                values[name] = processor(values[name])
        return values
