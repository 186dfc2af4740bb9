"""The migrations run on SQLite as well as PostgreSQL, and match the table metadata."""
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from common.db import make_engine
from tickets.cli import migrate
from tickets.settings import Settings
from tickets.store.tables import metadata


def _no_drift(url):
    engine = make_engine(url)
    with engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), metadata)
    engine.dispose()
    assert diff == []


def test_migrations_run_on_sqlite_and_match_the_metadata(tmp_path):
    url = f"sqlite:///{tmp_path / 'tickets.db'}"
    migrate(Settings(database_url=url))
    migrate(Settings(database_url=url))  # idempotent
    _no_drift(url)


def test_migrations_match_the_metadata_on_postgresql(database_url):
    _no_drift(database_url)
