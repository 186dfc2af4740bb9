"""SQLAlchemy 2 engine and session helpers shared by every service.

Engines are created lazily by the app factory or the worker entrypoint, never at import, so a
forked gunicorn worker never shares a connection with its parent.
"""
from __future__ import annotations

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
    if engine.dialect.driver == "psycopg":
        _sync_pipelined_results(engine)
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
        except Exception as error:
            # The pool discards this connection and checks out a fresh one (SQLAlchemy retries).
            raise exc.DisconnectionError() from error


def make_session_factory(engine: Engine) -> sessionmaker[Session]:
    """Return the session factory used by units of work (objects stay usable after commit)."""
    return sessionmaker(bind=engine, expire_on_commit=False)


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




PIPELINE = "common.db.pipeline"  # key of the open pipeline in a connection's ``info``


@contextmanager
def pipelined(session: Session, commit: bool = False) -> Iterator[None]:
    """Send the block's statements without waiting for each answer (psycopg's pipeline mode).

    An INSERT that reads nothing back waits in the pipeline; a statement whose rows are read is
    sent with everything queued before it, in one round trip. Errors of queued statements surface
    there. ``commit``: the block ends with the commit, its queued inserts travelling with the
    COMMIT. The pipeline ends before the session gives its connection back to the pool (psycopg
    sends one more, empty, sync then). Other drivers run the block unchanged.
    """
    connection = session.connection()
    if connection.dialect.driver != "psycopg" or PIPELINE in connection.info:
        yield
        if commit:
            session.commit()
        return
    driver = connection.connection.driver_connection
    driver_error = connection.dialect.loaded_dbapi.Error
    try:
        with driver.pipeline() as pipeline:
            connection.info[PIPELINE] = pipeline
            try:
                yield
                if commit:
                    driver.commit()
            finally:
                connection.info.pop(PIPELINE, None)
    except driver_error as error:
        # Raised by the driver itself (a queued statement, the COMMIT): the same exception classes
        # SQLAlchemy raises everywhere else, so the error handlers map it as they map the others.
        raise exc.DBAPIError.instance("COMMIT" if commit else "(pipeline)", None, error, driver_error,
                                      dialect=connection.dialect) from error
    if commit:
        session.commit()  # SQLAlchemy's side of it: the driver has nothing left to send


def _sync_pipelined_results(engine: Engine) -> None:
    """A statement run inside ``pipelined`` gets its answer before SQLAlchemy reads it.

    SQLAlchemy looks at the cursor's description right after ``execute``; in pipeline mode that
    answer has not arrived yet. An INSERT that returns nothing (``Insert.inline()`` or a batch)
    stays queued: nothing is read from it.
    """

    @event.listens_for(engine, "after_cursor_execute")
    def _sync(conn, _cursor, _statement, _parameters, context, _executemany):
        pipeline = conn.info.get(PIPELINE)
        if pipeline is None:
            return
        compiled = context.compiled
        if not (context.isinsert and compiled is not None and not compiled.effective_returning):
            pipeline.sync()
