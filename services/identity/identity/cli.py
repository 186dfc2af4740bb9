"""``python -m identity.cli migrate | create-user | load-demo | outbox ...``."""
from __future__ import annotations

import argparse
import getpass
import os
import sys
from pathlib import Path

from common.auth import CUSTOMER, ROLES
from common.config import ConfigError
from common.errors import ApiError
from common.log import configure_logging
from common.migrate import upgrade

MIGRATIONS = Path(__file__).parent / "migrations"


def migrate(database_url: str) -> None:
    """Bring identity's database to the latest schema."""
    upgrade(MIGRATIONS, database_url)


def _database_url() -> str:
    from common.config import Env

    return Env(prefix="IDENTITY_")("DATABASE_URL")


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["outbox"]:
        from common import outbox_cli

        from .store.tables import outbox

        return outbox_cli.main("python -m identity.cli outbox", argv[1:], _database_url, outbox)
    parser = argparse.ArgumentParser(prog="python -m identity.cli")
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("migrate", help="apply database migrations")
    user = sub.add_parser("create-user", help="create an account that can log in at once")
    user.add_argument("--email", required=True)
    user.add_argument("--password", help="defaults to $IDENTITY_PASSWORD, else asked for")
    user.add_argument("--role", choices=ROLES, default=CUSTOMER)
    user.add_argument("--name", default=None)
    sub.add_parser("load-demo", help="load the demo accounts and organisations")
    args = parser.parse_args(argv)
    configure_logging("identity-cli", os.environ.get("LOG_LEVEL", "INFO"), json_lines=False)
    try:
        if args.command == "migrate":
            migrate(_database_url())
        elif args.command == "create-user":
            _create_user(args)
        elif args.command == "load-demo":
            from .demo import load
            from .settings import Settings

            load(Settings.from_env())
    except (ConfigError, ApiError) as exc:
        print(f"error: {getattr(exc, 'message', exc)}", file=sys.stderr)
        return 2
    return 0


def _create_user(args) -> None:
    from common.db import make_engine, make_session_factory

    from .app import build_deps
    from .services import accounts
    from .settings import Settings

    password = args.password or os.environ.get("IDENTITY_PASSWORD") or getpass.getpass("Password: ")
    settings = Settings.from_env()
    engine = make_engine(settings.database_url)
    try:
        account = accounts.create_account(build_deps(settings, make_session_factory(engine)), email=args.email,
                                          password=password, role=args.role, display_name=args.name)
    finally:
        engine.dispose()
    print(f"created {account.role} {account.email} ({account.id})")


if __name__ == "__main__":
    sys.exit(main())
