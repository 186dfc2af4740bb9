"""``python -m tickets.cli migrate | demo | desk-agent --desk AM --email x@example.com | sweep-attachments | outbox ...``."""
from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path

from common import migrate as migrations
from common.log import configure_logging

from .settings import SERVICE, Settings

MIGRATIONS = Path(__file__).parent / "migrations"
logger = logging.getLogger(__name__)


def migrate(settings: Settings) -> None:
    """Bring the tickets database to the latest revision (creating the database if needed)."""
    migrations.upgrade(MIGRATIONS, settings.database_url)


def desk_agent(settings: Settings, desk_ref: str, email: str) -> str:
    """Make ``email`` an agent of the desk (idempotent; waits for the account if it is not known yet)."""
    from common.db import make_engine, make_session_factory, transaction

    from .demo import add_agent
    from .store.desks import DeskRepository

    engine = make_engine(settings.database_url)
    try:
        with transaction(make_session_factory(engine)) as session:
            desk = DeskRepository(session).get(desk_ref)
            if desk is None:
                raise SystemExit(f"Service desk '{desk_ref}' does not exist.")
            return add_agent(session, desk.id, email, settings.exchange)
    finally:
        engine.dispose()


def main(argv: list[str] | None = None) -> None:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["outbox"]:
        from common import outbox_cli

        from .store.tables import outbox

        sys.exit(outbox_cli.main("python -m tickets.cli outbox", argv[1:],
                                 lambda: Settings.from_env(require_jwt=False).database_url, outbox))
    parser = argparse.ArgumentParser(prog="python -m tickets.cli")
    parser.add_argument("command", choices=["migrate", "demo", "desk-agent", "sweep-attachments"])
    parser.add_argument("--desk", help="desk key or id (desk-agent)")
    parser.add_argument("--email", help="the agent's email (desk-agent)")
    args = parser.parse_args(argv)
    if args.command == "desk-agent" and not (args.desk and args.email and "@" in args.email):
        parser.error("desk-agent needs --desk KEY and --email address")
    settings = Settings.from_env(require_jwt=False)
    configure_logging(SERVICE, settings.log_level, settings.log_json)
    migrate(settings)
    if args.command == "demo":
        from .demo import load

        load(settings)
    elif args.command == "sweep-attachments":
        from .attachments.sweeper import build_sweeper

        print(f"removed {build_sweeper(settings).run_once()} expired temporary attachment(s)", file=sys.stdout)
    elif args.command == "desk-agent":
        outcome = desk_agent(settings, args.desk, args.email)
        print(f"{args.email} is an agent of {args.desk.upper()}"
              + (" (as soon as the account reaches this service)" if outcome == "pending" else ""), file=sys.stdout)
    logger.info("%s done", args.command)


if __name__ == "__main__":
    main()
