"""EXPLAIN ANALYZE of the read scenarios' SQL on 100,000 and 1,000,000 seeded tickets, before and after.

``PYTHONPATH=. .venv/bin/python bench/profiles/explain_reads.py [--sizes 100000,1000000] [--before FILE]
[--out FILE]`` seeds a throwaway tickets database (``bench.seed.add_tickets``, the bench's own data:
three desks, 1,000 customers in 50 organisations) and, at each size, for each read scenario of
``bench/scenarios.py`` (the same personas: a reporter, an organisation member who reported nothing, a
customer who sees nothing, the desk's agent), times the statements ``TicketRepository.page`` runs
(median of 15, in-process, no HTTP) and prints the plan of the list statement. ``--before FILE`` is the
``store/queries.py`` of an earlier commit (``git show REV:services/tickets/tickets/store/queries.py``):
its list statement is timed and explained on the same data, for a before/after in one run; the
reference of the same run is a bare ``SELECT id FROM tickets WHERE reporter_id = ... ORDER BY
last_activity_at DESC LIMIT 50`` (what ``bench/reference`` serves).
"""
from __future__ import annotations

import argparse
import importlib.util
import statistics
import sys
import time

from sqlalchemy import event, text
from sqlalchemy.orm import Session

from bench import seed
from common.db import make_engine
from common.testing import postgres_server_url, throwaway_database
from tickets.cli import migrate
from tickets.demo import load
from tickets.domain.visibility import Viewer
from tickets.settings import Settings
from tickets.store import queries
from tickets.store.tickets import TicketRepository

RUNS = 15
AGENT = "bench-agent"


def _people(engine, customers: int, organisations: int) -> seed.World:
    """The tickets replica part of ``seed.seed_people``, without identity."""
    with engine.begin() as conn:
        desks = dict(conn.execute(text("SELECT key, id FROM service_desks")).all())
        rts: dict[int, list[int]] = {}
        for desk_id, rt in conn.execute(text("SELECT desk_id, id FROM request_types ORDER BY desk_id, position, id")):
            rts.setdefault(desk_id, []).append(rt)
        orgs = list(range(1, organisations + 1))
        conn.execute(text("INSERT INTO organizations (id, name) SELECT o, 'Bench Org ' || o FROM generate_series(1, :k) o"),
                     {"k": organisations})
        conn.execute(text(
            f"INSERT INTO accounts (id, email, display_name, language, role, active, updated_at) "
            f"SELECT {seed._sql_id('n')}, 'c' || n || '@example.com', 'C ' || n, 'en', 'customer', true, now() "
            f"FROM generate_series(1, :c) n"), {"c": customers})
        conn.execute(text(
            f"INSERT INTO organization_members (organization_id, account_id) "
            f"SELECT (CAST(:orgs AS int[]))[1 + n % cardinality(CAST(:orgs AS int[]))], {seed._sql_id('n')} "
            f"FROM generate_series(1, :c) n"), {"orgs": orgs, "c": customers})
        conn.execute(text("INSERT INTO accounts (id, email, role, active, language, updated_at) VALUES "
                          "(:a, 'agent@bench', 'agent', true, 'en', now()), ('member', 'm@bench', 'customer', true, 'en', now()), "
                          "('little', 'l@bench', 'customer', true, 'en', now())"), {"a": AGENT})
        conn.execute(text("INSERT INTO organization_members VALUES (1, 'member')"))
        conn.execute(text("INSERT INTO desk_agents (desk_id, account_id) VALUES (:d, :a)"), {"d": desks["AM"], "a": AGENT})
    return seed.World(desks=desks, request_types=rts, accounts={"agent@example.com": AGENT}, organisations=orgs,
                      customers=customers)


def _scenarios(world: seed.World):
    am = world.desks["AM"]
    reporter = Viewer(seed.CUSTOMER_ID.format(1), "customer", frozenset({1 + 1 % len(world.organisations)}))
    member = Viewer("member", "customer", frozenset({1}))
    agent = Viewer(AGENT, "agent", desk_ids=frozenset({am}))
    return {
        "my_requests_reporter": (reporter, queries.RequestFilter(), False),
        "my_requests_org_member": (member, queries.RequestFilter(), False),
        "my_requests_sees_little": (Viewer("little", "customer"), queries.RequestFilter(), False),
        "search": (member, queries.RequestFilter(search="channel 42"), False),
        "agent_queue_open": (agent, queries.queue_filter("open", am, AGENT), True),
        "agent_queue_all": (agent, queries.queue_filter("all", am, AGENT), True),
    }


def _median_ms(run) -> float:
    times = []
    for _ in range(RUNS):
        started = time.perf_counter()
        run()
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times)


def _explain(session: Session, statement) -> str:
    compiled = statement.compile(dialect=session.get_bind().dialect, compile_kwargs={"literal_binds": True})
    rows = session.connection().exec_driver_sql("EXPLAIN (ANALYZE, BUFFERS) " + str(compiled)).scalars()
    return "\n".join(rows)


def measure(engine, world: seed.World, before, out) -> None:
    reference_sql = text("SELECT id FROM tickets WHERE reporter_id = :r ORDER BY last_activity_at DESC, id DESC LIMIT 50")
    with Session(engine) as session:
        reference = _median_ms(lambda: session.execute(reference_sql, {"r": seed.CUSTOMER_ID.format(1)}).all())
        print(f"\n## {world.tickets:,} tickets; reference (bare list of 50 by reporter): {reference:.2f} ms\n", file=out)
        print("| scenario | before: list ids, ms | after: list ids, ms | after: ratio to reference | "
              "after: whole page (rows, desks, people, participants, shares), ms |", file=out)
        print("|---|---|---|---|---|", file=out)
        plans = []
        for name, (viewer, filter_, count) in _scenarios(world).items():
            repo = TicketRepository(session)
            after = _median_ms(lambda: repo.page(viewer, filter_, 0, 50, count=count))
            statements = []

            def capture(_conn, _cursor, statement, parameters, _context, _many):
                statements.append(statement)

            event.listen(engine, "before_cursor_execute", capture)
            repo.page(viewer, filter_, 0, 50, count=count)
            event.remove(engine, "before_cursor_execute", capture)
            old = "-"
            if before is not None:
                old_query = before.request_query(viewer, filter_).offset(0).limit(51)
                old = f"{_median_ms(lambda: session.execute(old_query).all()):.2f}"
                plans.append((f"{name}, before", _explain(session, old_query)))
            page = queries.request_query(viewer, filter_, 0, 51)
            ids = _median_ms(lambda: session.execute(page).all())
            plans.append((f"{name}, after (the page's id query; {len(statements)} statements in page())",
                          _explain(session, page)))
            print(f"| {name} | {old} | {ids:.2f} | {ids / reference:.1f}x | {after:.2f} |", file=out)
        counts = {q: queries.queue_filter(q, world.desks["AM"], AGENT) for q in queries.QUEUES}
        agent = Viewer(AGENT, "agent", desk_ids=frozenset({world.desks["AM"]}))
        after = _median_ms(lambda: session.execute(queries.count_query(agent, counts)).one())
        old = "-"
        if before is not None:
            old_count = before.count_query(agent, counts)
            old = f"{_median_ms(lambda: session.execute(old_count).one()):.2f}"
            plans.append(("agent_queue_counts, before", _explain(session, old_count)))
        plans.append(("agent_queue_counts, after", _explain(session, queries.count_query(agent, counts))))
        print(f"| agent_queue_counts (5 queues, 1 statement) | {old} | {after:.2f} | {after / reference:.1f}x | - |",
              file=out)
        for title, plan in plans:
            print(f"\n### {title}\n\n```\n{plan}\n```", file=out)


def _load_before(path: str):
    spec = importlib.util.spec_from_file_location("tickets.store._before_queries", path)
    module = importlib.util.module_from_spec(spec)
    module.__package__ = "tickets.store"
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", default="100000,1000000")
    parser.add_argument("--before")
    parser.add_argument("--out")
    args = parser.parse_args()
    before = _load_before(args.before) if args.before else None
    out = open(args.out, "w") if args.out else sys.stdout
    with throwaway_database(postgres_server_url(), "explain") as url:
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
