"""Command line: ``python -m notifier.cli migrate | dead-letters list | show ID | replay [ID]``."""
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
    cmd = commands.add_parser("dead-letters", help="events and emails that could not be delivered: list, show, replay")
    cmd.add_argument("action", choices=["list", "show", "replay"])
    cmd.add_argument("id", nargs="?", help="bus:<event id> or mail:<event id>:<recipient> (replay without it: all)")
    args = parser.parse_args(argv)
    if args.command == "dead-letters" and args.action == "show" and not args.id:
        parser.error("dead-letters show needs an id (see dead-letters list)")
    configure_logging("notifier", json_lines=False)
    settings = Settings.from_env()
    if args.command == "migrate":
        migrate(settings, args.revision)
        print("notifier database is up to date")
    elif args.command == "dead-letters":
        return _dead_letters(settings, args)
    return 0


def _dead_letters(settings: Settings, args) -> int:
    import json

    from common.db import make_engine

    from .deadletters import DeadLetters
    from .worker import topology

    engine = make_engine(settings.database_url)
    amqp = None if settings.amqp_url.startswith("memory://") else settings.amqp_url
    letters = DeadLetters(engine, amqp, topology(settings))
    try:
        if args.action == "list":
            found = letters.list()
            for letter in found:
                print(f"{letter.id}\t{letter.where}\t{letter.summary}")
            print(f"{len(found)} dead letter(s)")
        elif args.action == "show":
            letter = letters.show(args.id)
            if letter is None:
                print(f"no dead letter {args.id}", file=sys.stderr)
                return 1
            print(json.dumps({"id": letter.id, "where": letter.where, **letter.detail}, indent=2,
                             ensure_ascii=False, default=str))
        else:
            print(f"replayed {letters.replay(args.id)} dead letter(s)")
    finally:
        engine.dispose()
    return 0


if __name__ == "__main__":
    sys.exit(main())
