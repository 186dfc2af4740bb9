"""CPU per request in one process, no HTTP server: the tickets API's create and a near-empty "my requests"
(a customer who sees no ticket: mostly the fixed cost of a request) against the bare reference's create and
list (``bench/reference/app.py``), one after the other in the same run. CPU is this process's
(``time.process_time``) and its database backends' (``/proc/<pid>/stat``).

``PYTHONPATH=<tree>/libs/common:<tree>/services/tickets:<tree> .venv/bin/python bench/profiles/tfix_inproc.py [-n 300]``

Run it on two trees in turn (rounds alternating) to compare them; each line is one tree's run.
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import uuid
from pathlib import Path

from sqlalchemy import create_engine

sys.path.insert(0, str(Path(__file__).resolve().parent))
from intakefast_inproc import PG, measure  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("-n", type=int, default=300)
    ap.add_argument("--rounds", type=int, default=1)
    ap.add_argument("--label", default="")
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

    import bench.reference.app as reference

    tokens = TokenFactory()
    with throwaway_database(PG, "tfix") as url, throwaway_database(PG, "tfixref") as ref_url:
        key = Path(tempfile.mkdtemp()) / "public.pem"
        key.write_bytes(tokens.issuer.public_pem)
        settings = Settings(database_url=url, jwt_public_key_file=str(key), public_url="http://portal.test")
        migrate(settings)
        load(settings)
        app = create_app(settings)
        customer, lonely = str(uuid.uuid4()), str(uuid.uuid4())
        with transaction(app.extensions["tickets.session_factory"]) as session:
            repo = AccountRepository(session)
            repo.upsert(Account(customer, "intake@example.com", "Intake", "en", "customer", True))
            repo.upsert(Account(lonely, "lonely@example.com", "Lonely", "en", "customer", True))
            repo.save_organization(1, "Org 1")
            repo.add_member(1, customer)
        headers = {"Authorization": f"Bearer {tokens.mint(customer, email='intake@example.com', role='customer')}",
                   "Content-Type": "application/json"}
        lonely_headers = {"Authorization": f"Bearer {tokens.mint(lonely, email='lonely@example.com', role='customer')}"}
        client = app.test_client()

        def tickets_create(i):
            desk = 1 + i % 3
            response = client.post("/rest/servicedeskapi/request", headers=headers,
                                   data=_create_body(desk, 1 + (desk - 1) * 3, i))
            assert response.status_code == 201, response.get_data(as_text=True)

        def tickets_list(_i):
            response = client.get("/rest/servicedeskapi/request", headers=lonely_headers)
            assert response.status_code == 200 and response.json["size"] == 0, response.get_data(as_text=True)

        ref_url = ref_url.replace("postgresql://", "postgresql+psycopg://")
        reference.prepare(ref_url)
        os.environ["REFERENCE_DATABASE_URL"] = ref_url
        # The reference's list reads the tickets API's own database, as in ``make bench``.
        os.environ["REFERENCE_READ_DATABASE_URL"] = url.replace("postgresql://", "postgresql+psycopg://")
        ref_client = reference.create_app().test_client()

        def reference_create(i):
            response = ref_client.post("/request", headers={"Content-Type": "application/json"},
                                       data=_create_body(1 + i % 3, 1, i))
            assert response.status_code == 201, response.get_data(as_text=True)

        def reference_list(_i):
            response = ref_client.get(f"/request?reporter={lonely}&limit=50")
            assert response.status_code == 200 and response.json["size"] == 0

        tickets_engine = create_engine(url.replace("postgresql://", "postgresql+psycopg://"))
        ref_engine = create_engine(ref_url)
        ref_read_engine = tickets_engine
        for _ in range(args.rounds):
            t, r = (measure("tickets API create", tickets_create, tickets_engine, args.n),
                    measure("reference create", reference_create, ref_engine, args.n))
            tl, rl = (measure("tickets API empty list", tickets_list, tickets_engine, args.n),
                      measure("reference empty list", reference_list, ref_read_engine, args.n))
            print(json.dumps({"label": args.label,
                              "create": {"app": t["app_cpu_ms"], "pg": t["pg_cpu_ms"],
                                         "app_ratio": round(t["app_cpu_ms"] / r["app_cpu_ms"], 2),
                                         "pg_ratio": round(t["pg_cpu_ms"] / max(r["pg_cpu_ms"], 0.01), 2)},
                              "list": {"app": tl["app_cpu_ms"], "pg": tl["pg_cpu_ms"],
                                       "app_ratio": round(tl["app_cpu_ms"] / rl["app_cpu_ms"], 2),
                                       "pg_ratio": round(tl["pg_cpu_ms"] / max(rl["pg_cpu_ms"], 0.01), 2)}}),
                  flush=True)
        tickets_engine.dispose()
        ref_engine.dispose()
        app.extensions["tickets.engine"].dispose()


if __name__ == "__main__":
    main()
