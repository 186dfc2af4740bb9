"""Command line: ``python -m inbound.cli migrate | take FILE... | dead-letters [list|show ID|replay ID|--all]``."""
from __future__ import annotations

import argparse
import sys
from email import policy
from email.parser import BytesParser
from pathlib import Path

from common.log import configure_logging
from common.migrate import upgrade

from .settings import Settings
from .wiring import build_intake

MIGRATIONS = Path(__file__).resolve().parent / "migrations"


def migrate(settings: Settings, revision: str = "head") -> None:
    """Bring the inbound database to ``revision`` (creating the database if needed)."""
    upgrade(MIGRATIONS, settings.database_url, revision)


def _dead_letters(settings: Settings, args) -> int:
    intake = build_intake(settings)
    if args.action == "list":
        rows = intake.dead_letters()
        if not rows:
            print("no dead letters")
        for row in rows:
            print(f"#{row.id}  {row.received_at:%Y-%m-%d %H:%M:%S}  {row.source:<7} {row.size:>8} bytes  {row.reason}")
        return 0
    if args.action == "show":
        raw = intake.raw(args.id)
        if raw is None:
            print(f"no message #{args.id}", file=sys.stderr)
            return 1
        headers = BytesParser(policy=policy.compat32).parsebytes(raw, headersonly=True)
        for name, value in headers.items():
            print(f"{name}: {value}")
        return 0
    ids = [row.id for row in intake.dead_letters(10_000)] if args.id is None else [args.id]
    failed = 0
    for raw_id in ids:
        result = intake.replay(raw_id)
        print(f"#{raw_id}: {result.status}{' (' + result.reason + ')' if result.reason else ''}")
        failed += result.status in ("dead", "missing")
    return 1 if failed else 0


def main(argv: list[str] | None = None) -> int:
    """Parse arguments and run one command; returns the exit status."""
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["outbox"]:
        from common import outbox_cli

        from .store.tables import outbox

        return outbox_cli.main("python -m inbound.cli outbox", argv[1:], lambda: Settings.from_env().database_url,
                               outbox)
    parser = argparse.ArgumentParser(prog="python -m inbound.cli", description="Inbound email administration.")
    commands = parser.add_subparsers(dest="command", required=True)
    cmd = commands.add_parser("migrate", help="apply database migrations")
    cmd.add_argument("--revision", default="head")
    cmd = commands.add_parser("take", help="take in .eml files as if they had been delivered")
    cmd.add_argument("files", nargs="+", type=Path)
    cmd = commands.add_parser("dead-letters", help="messages that could not be parsed: list, show, replay")
    cmd.add_argument("action", choices=["list", "show", "replay"])
    cmd.add_argument("id", nargs="?", type=int, help="message number (replay without it: every dead letter)")
    args = parser.parse_args(argv)
    configure_logging("inbound", json_lines=False)
    settings = Settings.from_env()
    if args.command == "migrate":
        migrate(settings, args.revision)
        print("inbound database is up to date")
        return 0
    if args.command == "take":
        intake = build_intake(settings)
        for path in args.files:
            result = intake.take(path.read_bytes(), "folder")
            print(f"{path}: {result.status}{f' #{result.raw_id}' if result.raw_id else ''}")
        return 0
    if args.action == "show" and args.id is None:
        parser.error("dead-letters show needs a message number")
    return _dead_letters(settings, args)


if __name__ == "__main__":
    sys.exit(main())
