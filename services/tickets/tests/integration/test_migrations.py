"""The migrations run on SQLite as well as PostgreSQL, and match the table metadata."""
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from common.db import make_engine
from tickets.cli import migrate
from tickets.settings import Settings
from tickets.store.tables import metadata


def _not_full_text(name, type_, _parent_names):
    # SQLite's FTS5 table and its shadow tables (migration 0008) are not in the metadata.
    return not (type_ == "table" and name.startswith("tickets_fts"))


def _no_drift(url):
    engine = make_engine(url)
    with engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"include_name": _not_full_text})
        diff = compare_metadata(context, metadata)
    engine.dispose()
    assert diff == []


def test_migrations_run_on_sqlite_and_match_the_metadata(tmp_path):
    url = f"sqlite:///{tmp_path / 'tickets.db'}"
    migrate(Settings(database_url=url))
    migrate(Settings(database_url=url))  # idempotent
    _no_drift(url)


def test_migrations_match_the_metadata_on_postgresql(database_url):
    _no_drift(database_url)
