"""Alembic environment of the identity database (run through ``python -m identity.cli migrate``)."""
from common.migrate import run_environment
from identity.store.tables import metadata

run_environment(metadata)
