"""Creates in one process (Flask test client; the set-up of ``bench/profiles/tc/create_loop.py``: demo desks,
a customer in one organisation, the bench's 1 KB body, so each request is shared): this thread's CPU per
create, least and median of many small blocks (the least is the one the shared machine disturbed least),
its PostgreSQL backends' CPU per create over all blocks, and the Python function calls per create (``sys.setprofile``: the same on a quiet or a busy machine).

``PYTHONPATH=<tree>/libs/common:<tree>/services/tickets:<tree> .venv/bin/python bench/profiles/tc2/create_cost.py``
"""
from __future__ import annotations

import argparse
import sys
import tempfile
import time
import uuid
from pathlib import Path

from bench.profiles.intakefast_inproc import PG, backend_cpu


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("-n", type=int, default=25, help="creates per block")
    ap.add_argument("--blocks", type=int, default=16)
    args = ap.parse_args()
    from sqlalchemy import create_engine

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
    with throwaway_database(PG, "tc2cost") as url:
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

        def create(i):
            desk = 1 + i % 3
            response = client.post("/rest/servicedeskapi/request", headers=headers,
                                   data=_create_body(desk, 1 + (desk - 1) * 3, i))
            assert response.status_code == 201, response.get_data(as_text=True)

        for i in range(30):
            create(i)
        calls = [0]

        def count(frame, event, arg):
            if event == "call" or event == "c_call":
                calls[0] += 1

        sys.setprofile(count)
        for i in range(20):
            create(100 + i)
        sys.setprofile(None)
        measuring = create_engine(url.replace("postgresql://", "postgresql+psycopg://"))
        cpus = []
        pg = backend_cpu(measuring)
        for b in range(args.blocks):
            cpu = time.thread_time()
            for i in range(args.n):
                create(1000 + b * args.n + i)
            cpus.append(1000 * (time.thread_time() - cpu) / args.n)
        # PostgreSQL's CPU over every block: /proc counts it in ticks of 10 ms, too coarse for one block.
        pg = 1000 * (backend_cpu(measuring) - pg) / (args.n * args.blocks)
        cpus.sort()
        print(f"calls per create {calls[0] / 20:.0f}; CPU per create least {cpus[0]:.3f} ms, median "
              f"{cpus[len(cpus) // 2]:.3f} ms; PG per create {pg:.3f} ms ({args.blocks}x{args.n})")
        measuring.dispose()
        app.extensions["tickets.engine"].dispose()


if __name__ == "__main__":
    main()
