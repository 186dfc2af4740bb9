"""Alembic environment of the tickets database (run through ``python -m tickets.cli migrate``)."""
from common.migrate import run_environment
from tickets.store.tables import metadata

run_environment(metadata)
