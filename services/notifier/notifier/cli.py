"""Command line: ``python -m notifier.cli migrate``."""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

from common.log import configure_logging
from common.migrate import upgrade

from .settings import Settings

MIGRATIONS = Path(__file__).resolve().parent / "migrations"


def migrate(settings: Settings, revision: str = "head") -> None:
    """Bring the notifier's database to ``revision`` (creating the database if needed)."""
    upgrade(MIGRATIONS, settings.database_url, revision)


def main(argv: list[str] | None = None) -> int:
    """Parse arguments and run one command; returns the exit status."""
    parser = argparse.ArgumentParser(prog="python -m notifier.cli", description="Notifier administration.")
    commands = parser.add_subparsers(dest="command", required=True)
    cmd = commands.add_parser("migrate", help="apply database migrations")
    cmd.add_argument("--revision", default="head", help="target revision (default: head)")
    args = parser.parse_args(argv)
    configure_logging("notifier", json_lines=False)
    settings = Settings.from_env()
    if args.command == "migrate":
        migrate(settings, args.revision)
        print("notifier database is up to date")
    return 0


if __name__ == "__main__":
    sys.exit(main())
