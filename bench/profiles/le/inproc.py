"""(``readfast2_inproc.py`` with its tree and database named by ``LE_TREE`` and ``LE_DB``.)

The read scenarios in one process, for quick before/after comparisons of the tickets API's own CPU.

``readfast_loop.py`` measures the real stack (gunicorn, wrk, every process); this replays the same
requests through Flask's test client in this process, against a copy of the bench's seeded tickets
database, and prints the CPU (``time.process_time``) of this process per request (the least of ``--blocks``) and the statement
count. ``--save DIR`` writes each scenario's response body; ``--compare DIR`` checks the bodies are
byte-identical to those saved (say, before a change).

The copy: ``--snapshot FILE`` is a ``pg_dump -Fc`` of a seeded tickets database; without the file it
is made first (``bench.system.System`` started, seeded with ``--tickets`` as ``make bench`` seeds,
dumped, stopped). It is restored into the database ``rf2inproc_tickets`` of the server in
``DATABASE_URL`` (replaced on each run unless ``--reuse``).

``.venv/bin/python bench/profiles/readfast2_inproc.py --snapshot /tmp/rf2.dump [--tickets 100000]
[--requests 50] [--blocks 5] [--only a,b] [--save DIR | --compare DIR] [--reuse] [--cprofile DIR]
[--flask-json | --ab-json]``

``--flask-json`` swaps the app's JSON provider for Flask's, which also turns off the lists' answers
written member by member (``tickets.api.encoding.fast_encoder``): the reference for the encoding work.
``--ab-json`` alternates the two in one process, block by block, the fairest comparison on a shared machine.
"""
from __future__ import annotations

import argparse
import gc
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

# The tree whose code runs: $LE_TREE (a ``git archive`` of the branch point, say), else this one.
ROOT = Path(os.environ.get("LE_TREE") or Path(__file__).resolve().parents[3])
sys.path[:0] = [str(ROOT), str(ROOT / "services/tickets"), str(ROOT / "libs/common")]

DB = os.environ.get("LE_DB", "le_inproc_tickets")


def _pg(url: str) -> list[str]:
    parts = urlsplit(url)
    return ["-h", parts.hostname or "127.0.0.1", "-p", str(parts.port or 5432), "-U", parts.username or "postgres"]


def make_snapshot(path: Path, count: int) -> None:
    from bench import seed
    from bench.run import PROFILES
    from bench.system import System

    with tempfile.TemporaryDirectory(prefix="rf2snap-") as tmp:
        system = System(Path(tmp))
        try:
            system.start()
            seed.wait_for_replica(system.engines["tickets"], ["alice@example.com", "carol@example.com",
                                                              "agent@example.com"])
            profile = PROFILES["full"]
            world = seed.seed_people(system.engines["identity"], system.engines["tickets"], profile.customers,
                                     profile.organisations)
            seed.add_tickets(system.engines["tickets"], world, count, {})
            url = system.urls["tickets"]
            subprocess.run(["pg_dump", "-Fc", "-f", str(path), *_pg(url), urlsplit(url).path.lstrip("/")], check=True)
        finally:
            system.close()


def restore(server: str, path: Path) -> str:
    subprocess.run(["dropdb", "--if-exists", *_pg(server), DB], check=True)
    subprocess.run(["createdb", *_pg(server), DB], check=True)
    subprocess.run(["pg_restore", "--no-owner", "-d", DB, *_pg(server), str(path)], check=True)
    subprocess.run(["psql", "-q", *_pg(server), "-d", DB, "-c", "ANALYZE"], check=True)
    parts = urlsplit(server)
    return urlunsplit((parts.scheme, parts.netloc, "/" + DB, "", ""))


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--snapshot", type=Path, required=True)
    parser.add_argument("--tickets", type=int, default=100_000)
    parser.add_argument("--requests", type=int, default=50, help="requests per block")
    parser.add_argument("--blocks", type=int, default=5)
    parser.add_argument("--only", default="")
    parser.add_argument("--save", type=Path)
    parser.add_argument("--compare", type=Path)
    parser.add_argument("--reuse", action="store_true")
    parser.add_argument("--cprofile", type=Path)
    parser.add_argument("--gc-freeze", action="store_true", help="gc.freeze() after the first requests")
    parser.add_argument("--gc-stats", action="store_true", help="print the time spent in garbage collection")
    parser.add_argument("--flask-json", action="store_true",
                        help="answer with Flask's own JSON provider instead of the app's (the encoding's reference)")
    parser.add_argument("--ab-json", action="store_true",
                        help="alternate blocks answered by Flask's JSON provider and by the app's, in this process, "
                             "and print the least CPU per request of each and their ratio")
    args = parser.parse_args()
    server = os.environ.get("DATABASE_URL", "postgresql://postgres@127.0.0.1:5433/postgres")
    if not args.snapshot.exists():
        make_snapshot(args.snapshot, args.tickets)
    if args.reuse:
        parts = urlsplit(server)
        url = urlunsplit((parts.scheme, parts.netloc, "/" + DB, "", ""))
    else:
        url = restore(server, args.snapshot)
    os.environ["SQL_STATEMENT_COUNT"] = "1"

    from sqlalchemy import create_engine, text

    from bench.seed import CUSTOMER_ID, customer_email
    from common.testing import TokenFactory
    from tickets.app import create_app
    from tickets.settings import Settings

    tokens = TokenFactory()
    with tempfile.TemporaryDirectory(prefix="rf2key-") as keys:
        key = Path(keys) / "public.pem"
        key.write_bytes(tokens.issuer.public_pem)
        app = create_app(Settings(database_url=url, jwt_public_key_file=str(key), public_url="http://portal.test"))
        from flask.json.provider import DefaultJSONProvider

        providers = {"app": app.json, "flask": DefaultJSONProvider(app)}
        providers["flask"].sort_keys = app.json.sort_keys
        if args.flask_json:
            app.json = providers["flask"]
        engine = create_engine(url)
        with engine.connect() as conn:
            people = dict(conn.execute(text("SELECT email, id FROM accounts")).all())
            am = conn.execute(text("SELECT id FROM service_desks WHERE key = 'AM'")).scalar_one()
            key_ref = conn.execute(text(
                "SELECT t.key FROM tickets t JOIN comments c ON c.ticket_id = t.id WHERE t.reporter_id = :r "
                "ORDER BY t.id DESC LIMIT 1"), {"r": CUSTOMER_ID.format(1)}).scalar_one()
        engine.dispose()

        def bearer(email, role="customer"):
            return {"Authorization": "Bearer " + tokens.mint(people[email], email=email, role=role)}

        reporter, member = bearer(customer_email(1)), bearer("alice@example.com")
        little, agent = bearer("carol@example.com"), bearer("agent@example.com", "agent")
        queues = ("unassigned", "mine", "waiting", "open", "all")
        scenarios = {
            "my_requests_reporter": [("/rest/servicedeskapi/request?limit=50", reporter)],
            "my_requests_org_member": [("/rest/servicedeskapi/request?limit=50", member)],
            "my_requests_sees_little": [("/rest/servicedeskapi/request?limit=50", little)],
            "search": [("/rest/servicedeskapi/request?limit=50&searchTerm=channel%2042", member)],
            "agent_queue_open": [(f"/api/tickets/queues?serviceDeskId={am}&queue=open&limit=50", agent)],
            "agent_queue_counts": [(f"/api/tickets/queues?serviceDeskId={am}&queue={q}&limit=100", agent)
                                   for q in queues],
            "request_expanded": [(f"/rest/servicedeskapi/request/{key_ref}?expand=status,comment,action", reporter)],
            "list_expanded": [("/rest/servicedeskapi/request?limit=50&expand=status,comment,action", member)],
        }
        only = {s for s in args.only.split(",") if s}
        client = app.test_client()
        collecting = [0.0, 0.0]  # when the running collection began, time spent collecting

        def on_gc(phase, _info):
            if phase == "start":
                collecting[0] = time.process_time()
            else:
                collecting[1] += time.process_time() - collecting[0]
        if args.gc_stats:
            gc.callbacks.append(on_gc)
        failed = False
        for name, reqs in scenarios.items():
            if only and name not in only:
                continue
            bodies, sql = [], []
            for path, headers in reqs:
                answer = client.get(path, headers=headers)
                assert answer.status_code == 200, (path, answer.status_code, answer.data[:300])
                bodies.append(answer.data)
                sql.append(answer.headers.get("X-SQL-Statements"))
            for _ in range(5):
                for path, headers in reqs:
                    client.get(path, headers=headers)
            if args.gc_freeze:
                gc.collect()
                gc.freeze()
            collecting[:] = [0.0, 0.0]
            profiler = None
            if args.cprofile:
                import cProfile
                profiler = cProfile.Profile(time.process_time)
                profiler.enable()
            # The least CPU per request of ``--blocks`` blocks: on a shared machine a block can lose its
            # caches to other processes, never run faster than the code allows.
            cpu_blocks, began = [], time.perf_counter()
            ab = {"flask": [], "app": []}
            for _block in range(args.blocks):
                for label in (("flask", "app") if args.ab_json else (None,)):
                    if label:
                        app.json = providers[label]
                    began_cpu = time.process_time()
                    for n in range(args.requests):
                        path, headers = reqs[n % len(reqs)]
                        client.get(path, headers=headers)
                    spent = (time.process_time() - began_cpu) / args.requests * 1000
                    (ab[label] if label else cpu_blocks).append(spent)
            if args.ab_json:
                app.json = providers["app"]
                cpu_blocks = ab["app"]
            cpu_ms = min(cpu_blocks)
            ab_note = (f"  flask-json {min(ab['flask']):6.2f}  app/flask {cpu_ms / min(ab['flask']):.2f}"
                       if args.ab_json else "")
            gc_note = (f"  gc {collecting[1] / args.requests / args.blocks * 1000:.2f} ms/request"
                       if args.gc_stats else "")
            wall_ms = (time.perf_counter() - began) / args.requests / args.blocks * 1000 / (2 if args.ab_json else 1)
            if profiler is not None:
                profiler.disable()
                args.cprofile.mkdir(parents=True, exist_ok=True)
                profiler.dump_stats(str(args.cprofile / f"{name}.prof"))
            same = ""
            if args.save:
                args.save.mkdir(parents=True, exist_ok=True)
                for n, body in enumerate(bodies):
                    (args.save / f"{name}-{n}.json").write_bytes(body)
            if args.compare:
                differ = [n for n, body in enumerate(bodies)
                          if (args.compare / f"{name}-{n}.json").read_bytes() != body]
                same = " identical" if not differ else f" DIFFERENT {differ}"
                failed = failed or bool(differ)
            print(f"{name:26s} cpu {cpu_ms:6.2f} ms/request  wall {wall_ms:6.2f} ms  sql {','.join(map(str, sql))}"
                  f"  {sum(map(len, bodies)) // len(bodies)} bytes{same}{gc_note}{ab_note}", flush=True)
        app.extensions["tickets.engine"].dispose()
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
