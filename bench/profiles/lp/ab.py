"""The customer list scenarios of ``make bench`` (the reporter's and the organisation member's lists of 50,
and the member's list with expand=status,comment,action) in one process through Flask's test client,
against the database ``lp_tickets`` on 5433 (``/tmp/le/rf2.dump`` restored, the seed's history rows added), with the code of ``TREE`` (env; default this tree). Prints per scenario the least, over
``--blocks``, of this process's CPU per request (``time.process_time``) and of PostgreSQL's: the
user+system ticks of every backend of that database (``/proc/<pid>/stat``) over the block.
``--sql DIR`` writes each request's statements, their parameters put back in (for EXPLAIN).

``TREE=/tmp/lp/before .venv/bin/python bench/profiles/lp/ab.py [--requests 200] [--blocks 5]``
"""
from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

TREE = Path(os.environ.get("TREE") or Path(__file__).resolve().parents[3])
sys.path[:0] = [str(TREE), str(TREE / "services/tickets"), str(TREE / "libs/common")]
URL = "postgresql://postgres@127.0.0.1:5433/lp_tickets"
TICK = os.sysconf("SC_CLK_TCK")


def backend_cpu(conn) -> float:
    from sqlalchemy import text

    pids = conn.execute(text("SELECT pid FROM pg_stat_activity WHERE datname = 'lp_tickets' "
                             "AND pid <> pg_backend_pid()")).scalars().all()
    total = 0.0
    for pid in pids:
        try:
            with open(f"/proc/{pid}/stat") as f:
                parts = f.read().rsplit(")", 1)[1].split()
        except FileNotFoundError:
            continue
        total += (int(parts[11]) + int(parts[12])) / TICK
    return total


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--blocks", type=int, default=5)
    parser.add_argument("--only", default="")
    parser.add_argument("--sql", type=Path)
    parser.add_argument("--save", type=Path, help="write each scenario's answer body there")
    parser.add_argument("--plans", action="store_true",
                        help="print the app connection's prepared statements with their generic and custom plans")
    args = parser.parse_args()
    os.environ["SQL_STATEMENT_COUNT"] = "1"
    from sqlalchemy import create_engine, event, text

    from common.testing import TokenFactory
    from tickets.app import create_app
    from tickets.settings import Settings
    import tickets

    assert Path(tickets.__file__).is_relative_to(TREE), tickets.__file__
    tokens = TokenFactory()
    with tempfile.TemporaryDirectory(prefix="lpkey-") as keys:
        key = Path(keys) / "public.pem"
        key.write_bytes(tokens.issuer.public_pem)
        app = create_app(Settings(database_url=URL, jwt_public_key_file=str(key), public_url="http://portal.test"))
        watcher = create_engine(URL, isolation_level="AUTOCOMMIT")
        conn = watcher.connect()
        from bench.seed import customer_email

        people = dict(conn.execute(text("SELECT email, id FROM accounts")).all())

        def bearer(email):
            return {"Authorization": "Bearer " + tokens.mint(people[email], email=email, role="customer")}
        reporter, member = bearer(customer_email(1)), bearer("alice@example.com")
        scenarios = {
            "my_requests_reporter": [("/rest/servicedeskapi/request?limit=50", reporter)],
            "my_requests_org_member": [("/rest/servicedeskapi/request?limit=50", member)],
            "list_expanded": [("/rest/servicedeskapi/request?limit=50&expand=status,comment,action", member)],
            # Not a bench scenario: a customer who is a participant on 100 tickets, so the page's
            # participants' accounts are looked up (the bench personas' pages have no participants).
            "my_requests_participant": [("/rest/servicedeskapi/request?limit=50", bearer(customer_email(9)))],
        }
        bodies = {}
        only = {s for s in args.only.split(",") if s}
        client = app.test_client()
        captured: list[str] = []
        engine = app.extensions["tickets.engine"]

        @event.listens_for(engine, "before_cursor_execute")
        def _capture(_conn, _cursor, statement, params, _context, _many):
            if args.sql is not None:
                captured.append(f"-- params: {params!r}\n{statement};\n")
        for name, paths in scenarios.items():
            if only and name not in only:
                continue
            sql = []
            for n, (path, agent) in enumerate(paths):
                for _ in range(3):
                    client.get(path, headers=agent)
                captured.clear()
                answer = client.get(path, headers=agent)
                bodies[name] = answer.data
                assert answer.status_code == 200, (path, answer.data[:300])
                sql.append(answer.headers.get("X-SQL-Statements"))
                if args.sql is not None:
                    args.sql.mkdir(parents=True, exist_ok=True)
                    (args.sql / f"{name}-{n}.sql").write_text("\n".join(captured))
            py, pg = [], []
            if args.requests == 0:  # start-up and warm-up only (instructions.sh's baseline)
                continue
            for _block in range(args.blocks):
                before_pg, before_py = backend_cpu(conn), time.process_time()
                for n in range(args.requests):
                    path, agent = paths[n % len(paths)]
                    client.get(path, headers=agent)
                py.append((time.process_time() - before_py) / args.requests * 1000)
                pg.append((backend_cpu(conn) - before_pg) / args.requests * 1000)
            print(f"{name:20s} python {min(py):.3f} ms/request  postgresql {min(pg):.3f} ms/request  "
                  f"(blocks py {' '.join(f'{v:.2f}' for v in py)}; pg {' '.join(f'{v:.2f}' for v in pg)})"
                  f"  sql {','.join(map(str, sql))}", flush=True)
        if args.save is not None:
            args.save.mkdir(parents=True, exist_ok=True)
            for name, body in bodies.items():
                (args.save / f"{name}.json").write_bytes(body)
        if args.plans:
            with engine.connect() as own:
                for row in own.execute(text(
                        "SELECT generic_plans, custom_plans, regexp_replace(statement, '\\s+', ' ', 'g') "
                        "FROM pg_prepared_statements ORDER BY 2 DESC")):
                    print(*row)
        conn.close()
        watcher.dispose()
        engine.dispose()
    return 0


if __name__ == "__main__":
    sys.exit(main())
