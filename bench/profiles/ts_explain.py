"""PostgreSQL's cost of each read's statements at 100,000 and 1,000,000 tickets: EXPLAIN (ANALYZE, BUFFERS),
the least execution time of several runs and the backend's CPU per request.

Three steps, so that the code before and after a change meet the same data in one run:

``PYTHONPATH=. .venv/bin/python bench/profiles/ts_explain.py seed --db ts_reads --size 1000000``
    creates (or tops up) the database ``ts_reads`` on TEST_DATABASE_URL's server: the tickets schema, the
    demo catalogue, the personas of ``explain_reads.py`` and ``bench.seed.add_tickets`` up to ``--size``.
``... ts_explain.py capture --db ts_reads --out FILE.json``
    runs each read scenario once through the tickets API (Flask test client, a minted token per persona)
    with the code of this checkout and writes every SQL statement it sent, with its driver parameters.
``... ts_explain.py measure --db ts_reads --sets before=A.json,after=B.json --out FILE.md``
    replays each scenario's statements on one psycopg connection, the sets alternating, ``--blocks``
    blocks of ``--runs`` requests each: the backend's CPU per request (``/proc/<pid>/schedstat``, ns) is
    the least block; each statement's execution time is the least of its EXPLAIN ANALYZE runs; the plans
    (ANALYZE, BUFFERS) go into the file. ``drop --db ts_reads`` drops the database.

The replay runs what the API sent, in a transaction per request as the API does, without the Python
around it: it is PostgreSQL's share of a request (the bench's "postgres (tickets)" column).
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path

import psycopg
from sqlalchemy import event, text
from sqlalchemy.engine import make_url

AGENT = "bench-agent"
API = "/rest/servicedeskapi/request"


def _server() -> str:
    return os.environ.get("TEST_DATABASE_URL", "postgresql://postgres@127.0.0.1:5433/postgres")


def _url(db: str) -> str:
    return make_url(_server()).set(drivername="postgresql+psycopg", database=db).render_as_string(hide_password=False)


def _libpq(db: str) -> str:
    return make_url(_server()).set(drivername="postgresql", database=db).render_as_string(hide_password=False)


def seed(db: str, size: int) -> None:
    from bench import seed as bench_seed
    from bench.profiles.explain_reads import _people
    from common.db import make_engine
    from common.testing import ensure_database
    from tickets.cli import migrate
    from tickets.demo import load
    from tickets.settings import Settings

    url = _url(db)
    ensure_database(url)
    settings = Settings(database_url=url)
    migrate(settings)
    engine = make_engine(url)
    with engine.connect() as conn:
        seeded = conn.execute(text("SELECT count(*) FROM accounts WHERE id = 'member'")).scalar()
    if not seeded:
        load(settings)
        world = _people(engine, 1000, 50)
    else:
        from bench.seed import World
        with engine.connect() as conn:
            desks = dict(conn.execute(text("SELECT key, id FROM service_desks")).all())
            rts: dict[int, list[int]] = {}
            types = conn.execute(text("SELECT desk_id, id FROM request_types ORDER BY desk_id, position, id"))
            for desk_id, rt in types:
                rts.setdefault(desk_id, []).append(rt)
            world = World(desks=desks, request_types=rts, accounts={"agent@example.com": AGENT},
                          organisations=list(range(1, 51)), customers=1000,
                          tickets=conn.execute(text("SELECT count(*) FROM tickets")).scalar())
    timings: dict[str, float] = {}
    if size > world.tickets:
        bench_seed.add_tickets(engine, world, size - world.tickets, timings)
    print(f"{world.tickets:,} tickets; {timings}", file=sys.stderr)
    engine.dispose()


def _personas():
    from bench.seed import CUSTOMER_ID

    return {"reporter": (CUSTOMER_ID.format(1), "customer", [2]), "member": ("member", "customer", [1]),
            "little": ("little", "customer", []), "agent": (AGENT, "agent", [])}


# name -> (persona, path): the bench's read scenarios (bench/scenarios.py) and searches of every frequency.
SCENARIOS = {
    "my_requests_reporter": ("reporter", f"{API}?limit=50"),
    "my_requests_org_member": ("member", f"{API}?limit=50"),
    "my_requests_sees_little": ("little", f"{API}?limit=50"),
    "list_expanded": ("member", f"{API}?limit=50&expand=status,comment,action"),
    "search": ("member", f"{API}?limit=50&searchTerm=channel%2042"),
    "search_reporter": ("reporter", f"{API}?limit=50&searchTerm=channel%2042"),
    "search_common_word": ("member", f"{API}?limit=50&searchTerm=channel"),
    "search_prefix": ("member", f"{API}?limit=50&searchTerm=chan*"),
    "search_rare_word": ("member", f"{API}?limit=50&searchTerm=toner"),
    "search_no_match_common": ("little", f"{API}?limit=50&searchTerm=channel"),
    "search_all_requests": ("member", f"{API}?limit=50&searchTerm=channel%2042&requestOwnership=ALL_REQUESTS"),
    "search_key": ("member", f"{API}?limit=50&searchTerm=AM-2"),
    "search_agent": ("agent", f"{API}?limit=50&searchTerm=channel%2042"),
}


def capture(db: str, out: str) -> None:
    from common.testing import TokenFactory
    from tickets.app import create_app
    from tickets.settings import Settings

    tokens = TokenFactory()
    key = Path(tempfile.mkdtemp()) / "public.pem"
    key.write_bytes(tokens.issuer.public_pem)
    app = create_app(Settings(database_url=_url(db), jwt_public_key_file=str(key), public_url="http://portal.test"))
    client = app.test_client()
    engine = app.extensions["tickets.engine"]
    people = _personas()
    found: dict[str, dict] = {}
    for name, (persona, path) in SCENARIOS.items():
        account, role, _orgs = people[persona]
        headers = {"Authorization": "Bearer " + tokens.mint(account, email=f"{account}@bench", role=role)}
        for _ in range(3):  # past the caller's first-request costs
            answer = client.get(path, headers=headers)
            assert answer.status_code == 200, (name, answer.status_code, answer.get_data(as_text=True)[:300])
        statements: list[tuple[str, object]] = []

        def listen(_conn, _cursor, statement, parameters, _context, _many):
            statements.append((statement, parameters))

        event.listen(engine, "before_cursor_execute", listen)
        answer = client.get(path, headers=headers)
        event.remove(engine, "before_cursor_execute", listen)
        body = answer.get_json()
        found[name] = {"path": path, "persona": persona,
                       "keys": [v["issueKey"] for v in body.get("values", [])],
                       "statements": [{"sql": s, "params": _jsonable(p)} for s, p in statements]}
        print(f"{name}: {len(statements)} statements, {len(found[name]['keys'])} rows", file=sys.stderr)
    engine.dispose()
    Path(out).write_text(json.dumps(found, indent=1, default=str))


def _jsonable(params):
    if isinstance(params, dict):
        return {k: _jsonable(v) for k, v in params.items()}
    if isinstance(params, (list, tuple)):
        return [_jsonable(v) for v in params]
    if isinstance(params, (str, int, float, bool)) or params is None:
        return params
    return {"__repr__": str(params), "__type__": type(params).__name__}


def _params(params):
    """Driver parameters back from JSON (timestamps came as text: PostgreSQL casts them back)."""
    if isinstance(params, dict):
        if "__type__" in params:
            return params["__repr__"]
        return {k: _params(v) for k, v in params.items()}
    if isinstance(params, list):
        return [_params(v) for v in params]
    return params


def _cpu_ns(pid: int) -> int:
    return int(Path(f"/proc/{pid}/schedstat").read_text().split()[0])


def _replay(conn, statements) -> None:
    """One request's statements in one transaction; psycopg prepares them after a few runs, as in the API."""
    with conn.transaction():
        for s in statements:
            cursor = conn.execute(s["sql"], _params(s["params"]))
            if _returns(s):
                cursor.fetchall()


def _returns(s) -> bool:
    return s["sql"].lstrip().upper().startswith(("SELECT", "WITH", "(SELECT"))


def _explain(conn, s, runs: int) -> tuple[float, float, str]:
    """The least execution time of ``runs``, the least planning time, and the plan of the fastest run."""
    best, planning, plan = None, None, ""
    for _ in range(runs):
        rows = conn.execute("EXPLAIN (ANALYZE, BUFFERS) " + s["sql"], _params(s["params"])).fetchall()
        lines = [r[0] for r in rows]
        ms = float(next(line for line in lines if line.startswith("Execution Time")).split()[2])
        planned = float(next(line for line in lines if line.startswith("Planning Time")).split()[2])
        planning = planned if planning is None else min(planning, planned)
        if best is None or ms < best:
            best, plan = ms, "\n".join(lines)
    return best, planning, plan


def measure(db: str, sets: dict[str, str], out: str, runs: int, blocks: int, only: list[str] | None) -> None:
    loaded = {label: json.loads(Path(path).read_text()) for label, path in sets.items()}
    names = [n for n in SCENARIOS if all(n in s for s in loaded.values()) and (not only or n in only)]
    with psycopg.connect(_libpq(db), autocommit=True) as conn:
        pid = conn.execute("SELECT pg_backend_pid()").fetchone()[0]
        tickets = conn.execute("SELECT count(*) FROM tickets").fetchone()[0]
        cpu: dict[tuple[str, str], float] = {}
        for name in names:
            for label, data in loaded.items():
                for _ in range(3):
                    _replay(conn, data[name]["statements"])
            for _ in range(blocks):
                for label, data in loaded.items():
                    started = _cpu_ns(pid)
                    for _ in range(runs):
                        _replay(conn, data[name]["statements"])
                    per = (_cpu_ns(pid) - started) / runs / 1e6
                    cpu[name, label] = min(cpu.get((name, label), per), per)
        rows, plans = [], []
        for name in names:
            cells = []
            for label, data in loaded.items():
                sts = [s for s in data[name]["statements"] if _returns(s)]
                times = []
                for n, s in enumerate(sts):
                    ms, planning, plan = _explain(conn, s, 5)
                    times.append((ms, planning))
                    plans.append((f"{name}, {label}, statement {n + 1} of {len(sts)}: {ms:.3f} ms "
                                  f"(planning {planning:.3f} ms)",
                                  s["sql"], s["params"], plan))
                cells.append((label, cpu[name, label], times, len(data[name]["statements"]),
                              data[name]["keys"]))
            rows.append((name, cells))
    with open(out, "w") as f:
        labels = list(loaded)
        print(f"\n## {tickets:,} tickets: PostgreSQL per request (least of {blocks} blocks of {runs}, sets "
              f"alternating) and per statement (least of 5 EXPLAIN ANALYZE runs)\n", file=f)
        print("| scenario | " + " | ".join(f"{l}: backend CPU ms | {l}: statements' execution ms (planning)"
                                             for l in labels)
              + " | same rows |", file=f)
        print("|---" * (1 + 2 * len(labels)) + "|---|", file=f)
        for name, cells in rows:
            same = all(c[4] == cells[0][4] for c in cells)
            print(f"| {name} | " + " | ".join(
                f"{c[1]:.2f} | {' + '.join(f'{t:.2f}' for t, _ in c[2])} ({c[3]} stmts; planning "
                f"{' + '.join(f'{p:.2f}' for _, p in c[2])})" for c in cells)
                + f" | {'yes' if same else 'NO'} ({len(cells[0][4])}) |", file=f)
        for title, sql, params, plan in plans:
            print(f"\n### {title}\n\n```sql\n{sql}\n```\nparameters: `{json.dumps(params, default=str)[:600]}`\n\n"
                  f"```\n{plan}\n```", file=f)
    print(Path(out).read_text().split("\n### ")[0])


def drop(db: str) -> None:
    from common.testing import drop_database

    drop_database(_url(db))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("step", choices=("seed", "capture", "measure", "drop"))
    parser.add_argument("--db", required=True)
    parser.add_argument("--size", type=int, default=100_000)
    parser.add_argument("--out")
    parser.add_argument("--sets", help="label=capture.json,...")
    parser.add_argument("--runs", type=int, default=40)
    parser.add_argument("--blocks", type=int, default=5)
    parser.add_argument("--only", help="scenario,...")
    args = parser.parse_args()
    if args.step == "seed":
        seed(args.db, args.size)
    elif args.step == "capture":
        capture(args.db, args.out)
    elif args.step == "measure":
        sets = dict(item.split("=", 1) for item in args.sets.split(","))
        measure(args.db, sets, args.out, args.runs, args.blocks, args.only.split(",") if args.only else None)
    else:
        drop(args.db)


if __name__ == "__main__":
    main()
