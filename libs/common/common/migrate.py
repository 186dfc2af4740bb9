"""Run a service's Alembic migrations from code (CLI, launchers and tests share this path)."""
from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config

from .db import ensure_database, normalise_url


def alembic_config(script_location: Path, url: str) -> Config:
    """Return an Alembic config pointing at a service's ``migrations`` folder and database."""
    cfg = Config()
    cfg.set_main_option("script_location", str(script_location))
    cfg.set_main_option("sqlalchemy.url", normalise_url(url).replace("%", "%%"))
    return cfg


def upgrade(script_location: Path, url: str, revision: str = "head") -> None:
    """Create the database if needed and bring it to ``revision``."""
    ensure_database(url)
    command.upgrade(alembic_config(script_location, url), revision)
