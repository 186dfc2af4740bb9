"""The statements of one read (``inproc.py``'s scenarios, its database ``LE_DB``) with their plans.

Runs the scenario once through Flask's test client with the code of ``LE_TREE`` (or this checkout),
records every statement the engine's listeners see with its driver parameters, then on one psycopg
connection prints each one's ``EXPLAIN (ANALYZE, BUFFERS)`` and the least execution time of ``--runs``.
``DATABASE_URL=postgresql://postgres@127.0.0.1:5433/postgres .venv/bin/python bench/profiles/le/explain.py list_expanded``
"""
from __future__ import annotations

import argparse
import os
import sys
import tempfile
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(os.environ.get("LE_TREE") or Path(__file__).resolve().parents[3])
sys.path[:0] = [str(ROOT), str(ROOT / "services/tickets"), str(ROOT / "libs/common")]

parser = argparse.ArgumentParser()
parser.add_argument("scenario")
parser.add_argument("--runs", type=int, default=20)
parser.add_argument("--plans", action="store_true")
args = parser.parse_args()

import psycopg  # noqa: E402
from sqlalchemy import create_engine, event, text  # noqa: E402

from common.testing import TokenFactory  # noqa: E402
from tickets.app import create_app  # noqa: E402
from tickets.settings import Settings  # noqa: E402

server = os.environ.get("DATABASE_URL", "postgresql://postgres@127.0.0.1:5433/postgres")
parts = urlsplit(server)
url = urlunsplit((parts.scheme, parts.netloc, "/" + os.environ.get("LE_DB", "le_inproc_tickets"), "", ""))
tokens = TokenFactory()
key = Path(tempfile.mkdtemp(prefix="lekey-")) / "public.pem"
key.write_bytes(tokens.issuer.public_pem)
app = create_app(Settings(database_url=url, jwt_public_key_file=str(key), public_url="http://portal.test"))
engine = create_engine(url)
with engine.connect() as conn:
    people = dict(conn.execute(text("SELECT email, id FROM accounts")).all())
engine.dispose()
member = {"Authorization": "Bearer " + tokens.mint(people["alice@example.com"], email="alice@example.com")}
from bench.seed import customer_email  # noqa: E402
reporter = {"Authorization": "Bearer " + tokens.mint(people[customer_email(1)], email=customer_email(1))}
paths = {
    "list_expanded": ("/rest/servicedeskapi/request?limit=50&expand=status,comment,action", member),
    "my_requests_org_member": ("/rest/servicedeskapi/request?limit=50", member),
    "my_requests_reporter": ("/rest/servicedeskapi/request?limit=50", reporter),
}
path, headers = paths[args.scenario]
client = app.test_client()
assert client.get(path, headers=headers).status_code == 200
seen = []
tickets_engine = app.extensions["tickets.engine"]


@event.listens_for(tickets_engine, "before_cursor_execute")
def listen(_conn, _cursor, statement, parameters, _context, _many):
    seen.append((statement, parameters))


assert client.get(path, headers=headers).status_code == 200
tickets_engine.dispose()
with psycopg.connect(url.replace("postgresql+psycopg", "postgresql"), autocommit=True) as conn:
    for n, (sql, params) in enumerate(seen):
        if not sql.lstrip().upper().startswith(("SELECT", "WITH", "(SELECT")):
            print(f"--- {n}: {sql[:60]}")
            continue
        best, plan = 1e9, ""
        for _ in range(args.runs):
            rows = conn.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql, params).fetchall()
            ms = float(rows[-1][0].split(":")[1].split()[0])
            if ms < best:
                best, plan = ms, "\n".join(r[0] for r in rows)
        print(f"--- {n}: {len(sql)} chars, least execution {best:.3f} ms\n{sql[:300]}")
        if args.plans:
            print(plan)
