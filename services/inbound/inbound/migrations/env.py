"""Alembic environment of the inbound database (run through ``python -m inbound.cli migrate``)."""
from common.migrate import run_environment
from inbound.store.tables import metadata

run_environment(metadata)
