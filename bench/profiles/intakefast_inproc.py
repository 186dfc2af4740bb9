"""CPU per created request in one process, no HTTP server, no other load of ours: the tickets API's
create (Flask test client, PostgreSQL) against the bare reference's (``bench/reference/app.py``), one
after the other in the same run. CPU is this process's (``time.process_time``) and its database
backend's (``/proc/<pid>/stat``), so other processes on the machine move it less than throughput.

``PYTHONPATH=<tree>/libs/common:<tree>/services/tickets:<tree> .venv/bin/python bench/profiles/intakefast_inproc.py [-n 400]``

The body is the bench's (``bench.scenarios._create_body``), raised by a customer of one organisation
(so it is shared with it, as the bench's intake customers' requests are), over the three desks.
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
import uuid
from pathlib import Path

from sqlalchemy import create_engine, text

TICK = os.sysconf("SC_CLK_TCK")
PG = os.environ.get("TEST_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/postgres")


def backend_cpu(engine) -> float:
    with engine.connect() as conn:
        pids = conn.execute(text("SELECT pid FROM pg_stat_activity WHERE datname = current_database() "
                                 "AND pid <> pg_backend_pid()")).scalars().all()
    total = 0.0
    for pid in pids:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        total += (int(fields[11]) + int(fields[12])) / TICK
    return total


def measure(label, send, engine, n: int) -> dict:
    for i in range(20):  # warm: statements prepared, pools filled
        send(i)
    pg, cpu, wall = backend_cpu(engine), time.process_time(), time.perf_counter()
    for i in range(n):
        send(i)
    cpu, wall, pg = time.process_time() - cpu, time.perf_counter() - wall, backend_cpu(engine) - pg
    out = {"what": label, "app_cpu_ms": round(1000 * cpu / n, 2), "pg_cpu_ms": round(1000 * pg / n, 2),
           "wall_ms": round(1000 * wall / n, 2)}
    print(json.dumps(out), flush=True)
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("-n", type=int, default=400)
    ap.add_argument("--rounds", type=int, default=2)
    args = ap.parse_args()
    from bench.scenarios import _create_body
    from common.testing import TokenFactory, throwaway_database
    from tickets.app import create_app
    from tickets.cli import migrate
    from tickets.demo import load
    from tickets.domain.catalog import Account
    from tickets.settings import Settings
    from tickets.store.accounts import AccountRepository
    from common.db import transaction

    import bench.reference.app as reference

    tokens = TokenFactory()
    with throwaway_database(PG, "ifast") as url, throwaway_database(PG, "ifastref") as ref_url:
        key = Path(tempfile.mkdtemp()) / "public.pem"
        key.write_bytes(tokens.issuer.public_pem)
        settings = Settings(database_url=url, jwt_public_key_file=str(key), public_url="http://portal.test")
        migrate(settings)
        load(settings)
        app = create_app(settings)
        customer = str(uuid.uuid4())
        with transaction(app.extensions["tickets.session_factory"]) as session:
            repo = AccountRepository(session)
            repo.upsert(Account(customer, "intake@example.com", "Intake", "en", "customer", True))
            repo.save_organization(1, "Org 1")
            repo.add_member(1, customer)
        headers = {"Authorization": f"Bearer {tokens.mint(customer, email='intake@example.com', role='customer')}",
                   "Content-Type": "application/json"}
        client = app.test_client()

        def tickets_create(i):
            desk = 1 + i % 3
            response = client.post("/rest/servicedeskapi/request", headers=headers,
                                   data=_create_body(desk, 1 + (desk - 1) * 3, i))
            assert response.status_code == 201, response.get_data(as_text=True)

        ref_url = ref_url.replace("postgresql://", "postgresql+psycopg://")
        reference.prepare(ref_url)
        os.environ["REFERENCE_DATABASE_URL"] = os.environ["REFERENCE_READ_DATABASE_URL"] = ref_url
        ref_client = reference.create_app().test_client()

        def reference_create(i):
            response = ref_client.post("/request", headers={"Content-Type": "application/json"},
                                       data=_create_body(1 + i % 3, 1, i))
            assert response.status_code == 201, response.get_data(as_text=True)

        tickets_engine = create_engine(url.replace("postgresql://", "postgresql+psycopg://"))
        ref_engine = create_engine(ref_url)
        rows = []
        for _ in range(args.rounds):
            rows.append((measure("tickets API create", tickets_create, tickets_engine, args.n),
                         measure("reference create", reference_create, ref_engine, args.n)))
        for t, r in rows:
            print(f"tickets API {t['app_cpu_ms']} ms + PostgreSQL {t['pg_cpu_ms']} ms per ticket; reference "
                  f"{r['app_cpu_ms']} + {r['pg_cpu_ms']} ms; CPU ratio reference/tickets "
                  f"{(r['app_cpu_ms'] + r['pg_cpu_ms']) / (t['app_cpu_ms'] + t['pg_cpu_ms']):.3f}")
        tickets_engine.dispose()
        ref_engine.dispose()
        app.extensions["tickets.engine"].dispose()


if __name__ == "__main__":
    main()
