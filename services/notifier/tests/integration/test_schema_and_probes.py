"""The checked-in migration matches the tables, and the probes see the real database and broker."""
import dataclasses

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import create_engine

from common.db import normalise_url
from notifier.app import create_app
from notifier.store.tables import metadata


def test_migrations_match_the_table_definitions(database_url):
    engine = create_engine(normalise_url(database_url))
    with engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), metadata)
    engine.dispose()
    assert diff == [], f"tables and migrations differ, generate a revision: {diff}"


def test_readiness_checks_postgres_and_rabbitmq(settings):
    client = create_app(settings).test_client()
    ready = client.get("/readyz")
    assert ready.status_code == 200, ready.json
    assert ready.json["checks"] == {"database": "ok", "broker": "ok"}


def test_readiness_fails_when_the_database_is_gone(settings):
    broken = dataclasses.replace(settings, database_url="postgresql://postgres@127.0.0.1:1/nowhere")
    ready = create_app(broken).test_client().get("/readyz")
    assert ready.status_code == 503 and ready.json["checks"]["database"] == "unavailable"
