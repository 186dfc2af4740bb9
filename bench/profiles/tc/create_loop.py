"""Creates only, in one process (Flask test client), for a profiler to sample: the set-up of
``tfix_inproc.py`` (demo desks, a customer in one organisation, the bench's 1 KB body) without the
reference. ``--statements`` prints the SQL of one create instead.

``PYTHONPATH=<tree>/libs/common:<tree>/services/tickets:<tree> .venv/bin/python bench/profiles/tc/create_loop.py -n 3000``
"""
from __future__ import annotations

import argparse
import tempfile
import time
import uuid
from pathlib import Path

from sqlalchemy import event

from bench.profiles.intakefast_inproc import PG, backend_cpu


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("-n", type=int, default=2000)
    ap.add_argument("--blocks", type=int, default=1, help="n creates per block; prints the least and the median block")
    ap.add_argument("--threads", type=int, default=1, help="creates at once (each thread its own client)")
    ap.add_argument("--statements", action="store_true")
    ap.add_argument("--ddl", action="append", default=[], help="SQL run on the database before the creates "
                    "(a variant of the schema); a file's path runs its text")
    args = ap.parse_args()
    from bench.scenarios import _create_body
    from common.db import transaction
    from common.testing import TokenFactory, throwaway_database
    from tickets.app import create_app
    from tickets.cli import migrate
    from tickets.demo import load
    from tickets.domain.catalog import Account
    from tickets.settings import Settings
    from tickets.store.accounts import AccountRepository

    tokens = TokenFactory()
    with throwaway_database(PG, "tcloop") as url:
        key = Path(tempfile.mkdtemp()) / "public.pem"
        key.write_bytes(tokens.issuer.public_pem)
        settings = Settings(database_url=url, jwt_public_key_file=str(key), public_url="http://portal.test")
        migrate(settings)
        load(settings)
        app = create_app(settings)
        engine = app.extensions["tickets.engine"]
        for ddl in args.ddl:
            with engine.begin() as conn:
                conn.exec_driver_sql(Path(ddl).read_text() if Path(ddl).is_file() else ddl)
        customer = str(uuid.uuid4())
        with transaction(app.extensions["tickets.session_factory"]) as session:
            repo = AccountRepository(session)
            repo.upsert(Account(customer, "intake@example.com", "Intake", "en", "customer", True))
            repo.save_organization(1, "Org 1")
            repo.add_member(1, customer)
        headers = {"Authorization": f"Bearer {tokens.mint(customer, email='intake@example.com', role='customer')}",
                   "Content-Type": "application/json"}
        import threading

        local = threading.local()

        def create(i):
            if not hasattr(local, "client"):
                local.client = app.test_client()
            desk = 1 + i % 3
            response = local.client.post("/rest/servicedeskapi/request", headers=headers,
                                   data=_create_body(desk, 1 + (desk - 1) * 3, i))
            assert response.status_code == 201, response.get_data(as_text=True)
            return response

        for i in range(20):
            create(i)
        if args.statements:
            seen = []
            event.listen(app.extensions["tickets.engine"], "before_cursor_execute",
                         lambda c, cu, s, p, ctx, many: seen.append(s))
            print(create(20).get_data(as_text=True))
            for s in seen:
                print("--", " ".join(s.split())[:300])
            return
        from sqlalchemy import create_engine

        measuring = create_engine(url.replace("postgresql://", "postgresql+psycopg://"))  # apart from the app's pool
        from concurrent.futures import ThreadPoolExecutor

        pool = ThreadPoolExecutor(args.threads)
        blocks = []
        for b in range(args.blocks):
            pg, cpu, wall = backend_cpu(measuring), time.process_time(), time.perf_counter()
            if args.threads == 1:
                for i in range(args.n):
                    create(b * args.n + i)
            else:
                list(pool.map(create, range(b * args.n, (b + 1) * args.n)))
            blocks.append((1000 * (time.process_time() - cpu) / args.n, 1000 * (time.perf_counter() - wall) / args.n,
                           1000 * (backend_cpu(measuring) - pg) / args.n))
        cpus, pgs = sorted(c for c, _, _ in blocks), sorted(p for _, _, p in blocks)
        print(f"{args.blocks}x{args.n} creates: CPU least {cpus[0]:.3f} ms, median {cpus[len(cpus) // 2]:.3f} ms; "
              f"PG least {pgs[0]:.3f} ms, median {pgs[len(pgs) // 2]:.3f} ms; "
              f"wall median {sorted(w for _, w, _ in blocks)[len(blocks) // 2]:.2f} ms")
        app.extensions["tickets.engine"].dispose()


if __name__ == "__main__":
    main()
