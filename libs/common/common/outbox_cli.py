"""``python -m <service>.cli outbox list | show ID | replay ID... | replay --parked``, the same for every service.

``list`` prints the counts (pending, retrying, parked) and the rows that failed at least once;
``show`` prints one row with its event; ``replay`` puts parked (or failing) rows back in line for
the relay, with their attempts reset.
"""
from __future__ import annotations

import argparse
import json
from typing import Callable

from sqlalchemy import Table, select, update

from .db import make_engine
from .outbox import Relay


def main(prog: str, argv: list[str], database_url: Callable[[], str], table: Table, out=print) -> int:
    """Run one outbox command against the service's database; returns the exit status."""
    parser = argparse.ArgumentParser(prog=prog, description="Inspect and replay the outbox.")
    commands = parser.add_subparsers(dest="command", required=True)
    cmd = commands.add_parser("list", help="counts, and the rows that failed to publish")
    cmd.add_argument("--limit", type=int, default=50)
    cmd = commands.add_parser("show", help="one row and its event")
    cmd.add_argument("id", type=int)
    cmd = commands.add_parser("replay", help="put rows back in line for the relay")
    cmd.add_argument("ids", type=int, nargs="*")
    cmd.add_argument("--parked", action="store_true", help="every parked row")
    args = parser.parse_args(argv)
    if args.command == "replay" and not (args.ids or args.parked):
        parser.error("replay needs row ids or --parked")
    engine = make_engine(database_url())
    try:
        return _run(args, engine, table, out)
    finally:
        engine.dispose()


def _run(args, engine, t: Table, out) -> int:
    if args.command == "list":
        stats = Relay(engine, t, lambda *a: None).stats()
        out(f"pending {stats['pending']} (retrying {stats['retrying']}), parked {stats['parked']}")
        with engine.connect() as conn:
            rows = conn.execute(
                select(t.c.id, t.c.event_id, t.c.routing_key, t.c.attempts, t.c.parked_at, t.c.last_error)
                .where(t.c.published_at.is_(None), t.c.attempts > 0).order_by(t.c.id).limit(args.limit)
            ).all()
        for row in rows:
            state = "parked" if row.parked_at else "retrying"
            out(f"{row.id}\t{state}\t{row.routing_key}\t{row.event_id}\tattempts={row.attempts}\t"
                f"{(row.last_error or '').splitlines()[0][:120] if row.last_error else ''}")
        return 0
    if args.command == "show":
        with engine.connect() as conn:
            row = conn.execute(select(t).where(t.c.id == args.id)).first()
        if row is None:
            out(f"no outbox row {args.id}")
            return 1
        record = {k: (v.isoformat() if hasattr(v, "isoformat") else v) for k, v in row._mapping.items()
                  if k != "body"}
        record["event"] = json.loads(row.body)
        out(json.dumps(record, indent=2, ensure_ascii=False))
        return 0
    condition = t.c.parked_at.is_not(None) if args.parked else t.c.id.in_(args.ids)
    with engine.begin() as conn:
        count = conn.execute(
            update(t).where(condition, t.c.published_at.is_(None))
            .values(parked_at=None, next_attempt_at=None, attempts=0)
        ).rowcount
    out(f"replaying {count} row(s): the relay publishes them next")
    return 0
