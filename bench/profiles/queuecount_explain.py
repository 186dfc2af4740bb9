"""Each agent queue's statements at 100,000 and 1,000,000 seeded tickets, before and after, in one run.

``PYTHONPATH=. .venv/bin/python bench/profiles/queuecount_explain.py [--sizes 100000,1000000] [--before FILE]
[--out FILE]``: seeds a throwaway tickets database as ``explain_reads.py`` does (``bench.seed``), and for the
desk agent of AM times (median of 15, in-process, no HTTP) each queue's page id statement (limit 101, what a
``limit=100`` page asks), its total and the five counts of ``/queues/counts``, with ``--before FILE`` (the
``store/queries.py`` of an earlier commit) the same statements of that module on the same data, and prints
every plan (``EXPLAIN (ANALYZE, BUFFERS)``). The reference of the same run is the bare list of 50 by
reporter of ``explain_reads.py``.
"""
from __future__ import annotations

import argparse
import sys

from sqlalchemy import text
from sqlalchemy.orm import Session

from bench import seed
from bench.profiles.explain_reads import AGENT, _explain, _load_before, _median_ms, _people
from common.db import make_engine
from common.testing import postgres_server_url, throwaway_database
from tickets.cli import migrate
from tickets.demo import load
from tickets.domain.visibility import Viewer
from tickets.settings import Settings
from tickets.store import queries
from tickets.store.tickets import TicketRepository

LIMIT = 100


def measure(engine, world: seed.World, before, out) -> None:
    am = world.desks["AM"]
    agent = Viewer(AGENT, "agent", desk_ids=frozenset({am}))
    reference_sql = text("SELECT id FROM tickets WHERE reporter_id = :r ORDER BY last_activity_at DESC, id DESC LIMIT 50")
    modules = [("before", before)] if before is not None else []
    modules.append(("after", queries))
    plans = []
    with Session(engine) as session:
        reference = _median_ms(lambda: session.execute(reference_sql, {"r": seed.CUSTOMER_ID.format(1)}).all())
        print(f"\n## {world.tickets:,} tickets; reference (bare list of 50 by reporter): {reference:.2f} ms\n", file=out)
        print("| statement | " + " | ".join(f"{m}, ms (ratio to reference)" for m, _ in modules) + " |", file=out)
        print("|---|" + "---|" * len(modules), file=out)

        def row(title, statements):
            cells = []
            for (label, _module), statement in zip(modules, statements):
                ms = _median_ms(lambda: session.execute(statement).all())
                cells.append(f"{ms:.2f} ({ms / reference:.1f}x)")
                plans.append((f"{title}, {label}", _explain(session, statement)))
            print(f"| {title} | " + " | ".join(cells) + " |", file=out)

        for queue in queries.QUEUES:
            f = queries.queue_filter(queue, am, AGENT)
            row(f"{queue}: page ids (limit {LIMIT + 1})", [m.request_query(agent, f, 0, LIMIT + 1) for _l, m in modules])
            row(f"{queue}: total", [m.count_query(agent, {"total": f}) for _label, m in modules])
        counts = {q: queries.queue_filter(q, am, AGENT) for q in queries.QUEUES}
        row("the five counts (one statement)", [m.count_query(agent, counts) for _label, m in modules])
        repo = TicketRepository(session)
        for queue in queries.QUEUES:
            f = queries.queue_filter(queue, am, AGENT)
            ms = _median_ms(lambda: repo.page(agent, f, 0, LIMIT, count=True))
            print(f"| {queue}: the whole page of {LIMIT} with its total (after; TicketRepository.page) | "
                  + " | " * (len(modules) - 1) + f"{ms:.2f} ({ms / reference:.1f}x) |", file=out)
    for title, plan in plans:
        print(f"\n### {title}\n\n```\n{plan}\n```", file=out)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", default="100000,1000000")
    parser.add_argument("--before")
    parser.add_argument("--out")
    args = parser.parse_args()
    before = _load_before(args.before) if args.before else None
    out = open(args.out, "w") if args.out else sys.stdout
    with throwaway_database(postgres_server_url(), "qcexplain") as url:
        migrate(Settings(database_url=url))
        load(Settings(database_url=url))
        engine = make_engine(url)
        world = _people(engine, 1000, 50)
        timings: dict[str, float] = {}
        for size in (int(s) for s in args.sizes.split(",")):
            seed.add_tickets(engine, world, size - world.tickets, timings)
            print(f"seeded {world.tickets:,} tickets: {timings}", file=sys.stderr)
            measure(engine, world, before, out)
            out.flush()
        engine.dispose()


if __name__ == "__main__":
    main()
