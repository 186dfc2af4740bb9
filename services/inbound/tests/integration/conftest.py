"""Integration fixtures: a throwaway PostgreSQL database migrated for inbound, a private Dovecot."""
from __future__ import annotations

import pytest
from sqlalchemy import text

from common.db import make_engine
from common import imapserver
from common.testing import check_reachable, postgres_server_url, throwaway_database
from inbound.cli import migrate
from inbound.settings import Settings
from inbound.wiring import build_intake


@pytest.fixture(scope="session")
def database_url():
    server = postgres_server_url()
    check_reachable(server, "postgres")
    with throwaway_database(server, "inbound") as url:
        migrate(Settings(database_url=url))
        yield url


@pytest.fixture
def settings(database_url):
    engine = make_engine(database_url)
    with engine.begin() as conn:
        conn.execute(text("DELETE FROM messages"))
        conn.execute(text("DELETE FROM outbox"))
    engine.dispose()
    return Settings(database_url=database_url, max_message_bytes=64 * 1024, trusted_authserv_ids=("mx.test",))


@pytest.fixture
def intake(settings):
    return build_intake(settings)


@pytest.fixture
def rows(database_url):
    engine = make_engine(database_url)

    def query(sql: str):
        with engine.connect() as conn:
            return conn.execute(text(sql)).all()

    yield query
    engine.dispose()


@pytest.fixture(scope="session")
def imap_server():
    with imapserver.running({"desk": "desk-password", "other": "other-password"}) as server:
        yield server
