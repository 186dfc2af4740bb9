"""Alembic environment of the notifier database (run through ``python -m notifier.cli migrate``)."""
from common.migrate import run_environment
from notifier.store.tables import metadata

run_environment(metadata)
