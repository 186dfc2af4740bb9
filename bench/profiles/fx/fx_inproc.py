"""The fixed per-request cost of the tickets API, in one process: a near-empty "my requests" (a customer
who sees no ticket) and an intake create, through Flask's test client against PostgreSQL.

``prepare`` makes the database once (migrated, demo data, two customers); ``run`` warms the app, then
sends ``-n`` requests of one scenario inside a call of ``fx_window`` (``fx_window.c``, through ctypes), so that
``valgrind --tool=callgrind --collect-atstart=no`` counts the instructions of
those requests only. ``--cprofile FILE`` profiles them instead; ``--calls`` counts Python function
calls (``sys.setprofile``) per request.

``PYTHONPATH=<tree>/libs/common:<tree>/services/tickets:<tree> .venv/bin/python bench/profiles/fx/fx_inproc.py prepare``
``PYTHONPATH=... valgrind --tool=callgrind --collect-atstart=no .venv/bin/python
bench/profiles/fx/fx_inproc.py run --scenario list -n 200``
"""
from __future__ import annotations

import argparse
import ctypes
import json
import os
import sys
import tempfile
from pathlib import Path

SERVER = os.environ.get("FX_SERVER", "postgresql://postgres@127.0.0.1:5433/postgres")
URL = SERVER.rsplit("/", 1)[0] + "/fx_tickets"
STATE = Path(tempfile.gettempdir()) / "fx_inproc_state.json"
CUSTOMER = "6f1b0a52-7b9e-4c55-9c1b-000000000001"
LONELY = "6f1b0a52-7b9e-4c55-9c1b-000000000002"


def prepare() -> None:
    from common.db import transaction
    from common.testing import TokenFactory, drop_database, ensure_database
    from tickets.app import create_app
    from tickets.cli import migrate
    from tickets.demo import load
    from tickets.domain.catalog import Account
    from tickets.settings import Settings
    from tickets.store.accounts import AccountRepository

    drop_database(URL)
    ensure_database(URL)
    tokens = TokenFactory()
    key = Path(tempfile.gettempdir()) / "fx_public.pem"
    key.write_bytes(tokens.issuer.public_pem)
    settings = Settings(database_url=URL, jwt_public_key_file=str(key), public_url="http://portal.test")
    migrate(settings)
    load(settings)
    app = create_app(settings)
    with transaction(app.extensions["tickets.session_factory"]) as session:
        repo = AccountRepository(session)
        repo.upsert(Account(CUSTOMER, "intake@example.com", "Intake", "en", "customer", True))
        repo.upsert(Account(LONELY, "lonely@example.com", "Lonely", "en", "customer", True))
        repo.save_organization(1, "Org 1")
        repo.add_member(1, CUSTOMER)
    # The throwaway signing key, so that each run mints tokens that have not expired.
    STATE.write_text(json.dumps({"key": str(key), "private": tokens.private_pem.decode()}))
    app.extensions["tickets.engine"].dispose()


def run(scenario: str, n: int, cprofile: str | None, calls: bool) -> None:
    from bench.scenarios import _create_body
    from tickets.app import create_app
    from tickets.settings import Settings

    from common.auth import Principal, TokenIssuer

    state = json.loads(STATE.read_text())
    issuer = TokenIssuer(state["private"].encode())
    state["customer"] = issuer.issue(Principal(CUSTOMER, "intake@example.com", "customer"))
    state["lonely"] = issuer.issue(Principal(LONELY, "lonely@example.com", "customer"))
    app = create_app(Settings(database_url=URL, jwt_public_key_file=state["key"], public_url="http://portal.test"))
    client = app.test_client()
    headers = {"Authorization": f"Bearer {state['customer']}", "Content-Type": "application/json"}
    lonely = {"Authorization": f"Bearer {state['lonely']}"}
    bodies = [_create_body(1 + i % 3, 1 + (i % 3) * 3, i) for i in range(n + 30)]

    def create(i):
        response = client.post("/rest/servicedeskapi/request", headers=headers, data=bodies[i])
        assert response.status_code == 201, response.get_data(as_text=True)

    def listing(_i):
        response = client.get("/rest/servicedeskapi/request?limit=50", headers=lonely)
        assert response.status_code == 200 and response.json["size"] == 0, response.get_data(as_text=True)

    send = {"create": create, "list": listing}[scenario]
    for i in range(30):
        send(i)

    def loop():
        for i in range(n):
            send(30 + i)

    if cprofile:
        import cProfile

        cProfile.runctx("loop()", globals(), {"loop": loop}, cprofile)
        return
    if calls:
        count = [0]

        def tracer(_frame, event, _arg):
            if event == "call":
                count[0] += 1

        sys.setprofile(tracer)
        loop()
        sys.setprofile(None)
        print(json.dumps({"scenario": scenario, "python_calls_per_request": round(count[0] / n, 1)}))
        return
    # fx_window.c, built with ``gcc -shared -fPIC -o /tmp/fx_window.so fx_window.c``.
    window = ctypes.CDLL(os.environ.get("FX_WINDOW", "/tmp/fx_window.so"))
    done = []

    def once():
        done.append(1)
        loop()

    callback = ctypes.CFUNCTYPE(None)(once)
    window.fx_window(callback)
    assert done
    app.extensions["tickets.engine"].dispose()


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("what", choices=["prepare", "run"])
    ap.add_argument("--scenario", default="list", choices=["list", "create"])
    ap.add_argument("-n", type=int, default=100)
    ap.add_argument("--cprofile")
    ap.add_argument("--calls", action="store_true")
    args = ap.parse_args()
    if args.what == "prepare":
        prepare()
    else:
        run(args.scenario, args.n, args.cprofile, args.calls)


if __name__ == "__main__":
    main()
