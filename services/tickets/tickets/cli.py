"""``python -m tickets.cli migrate | demo``."""
from __future__ import annotations

import argparse
import logging
from pathlib import Path

from common import migrate as migrations
from common.log import configure_logging

from .settings import SERVICE, Settings

MIGRATIONS = Path(__file__).parent / "migrations"
logger = logging.getLogger(__name__)


def migrate(settings: Settings) -> None:
    """Bring the tickets database to the latest revision (creating the database if needed)."""
    migrations.upgrade(MIGRATIONS, settings.database_url)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m tickets.cli")
    parser.add_argument("command", choices=["migrate", "demo"])
    args = parser.parse_args(argv)
    settings = Settings.from_env(require_jwt=False)
    configure_logging(SERVICE, settings.log_level, settings.log_json)
    migrate(settings)
    if args.command == "demo":
        from .demo import load

        load(settings)
    logger.info("%s done", args.command)


if __name__ == "__main__":
    main()
